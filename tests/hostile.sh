# hostile.sh: input made to hurt (README: Reliability), sourced by
# stages.sh after faults.sh (its $F, $F/a.log, crashed). Each case: no
# crash, bounded memory, the documented status and a message saying what.
X=$t/hostile
mkdir -p "$X"
P="$bin/revisit-parse -f combined_vid"
rss() {	# KIB CMD...: CMD's peak resident memory is under KIB KiB
	lim=$1
	shift
	# Under scripts/valgrind --e2e the figure is valgrind's: not checked.
	[ -z "${REVISIT_VALGRIND:-}" ] || { "$@"; return; }
	/usr/bin/time -f '%M' -o "$X/rss" "$@" || return
	[ "$(tail -1 "$X/rss")" -lt "$lim" ] || { echo "peak $(tail -1 "$X/rss") KiB, over $lim"; return 1; }
}

# ------------------------------------------------ long lines
# A 10 MB line, and one of 3 MB, among good lines: each a reject named by
# its line and copied whole to the rejects file; the good lines' hits are
# those of the file without them; memory stays small.
{ head -100 "$F/a.log"; head -c 10000000 /dev/zero | tr '\0' x; echo
  sed -n 101,200p "$F/a.log"; head -c 3000000 /dev/zero | tr '\0' y; echo
  sed -n 201,300p "$F/a.log"; } >"$X/long.log"
sed -n 1,300p "$F/a.log" | $P -q --max-warnings 0 >"$X/short.mp" 2>/dev/null
check "hostile: 10 MB and 3 MB lines are rejects named by line, copied whole to --rejects; the rest parses as without them; under 64 MiB" \
    "rss 65536 $P --rejects $X/long.rej -o $X/long.mp $X/long.log 2>$X/long.err && grep -q 'long.log:101: line longer than 1 MiB' $X/long.err && grep -q 'long.log:202: line longer than 1 MiB' $X/long.err && [ \"\$(awk '{ print length(\$0) }' $X/long.rej | sort -n | tail -2 | tr '\\n' ' ')\" = '3000000 10000000 ' ] && cmp $X/long.mp $X/short.mp"
check "hostile: a 10 MB line without an end of line is read past, not held" \
    "{ head -50 $F/a.log; head -c 10000000 /dev/zero | tr '\\0' x; } | rss 65536 $P -q --max-warnings 100 --max-reject-ratio 1 >/dev/null 2>$X/noeol.err && grep -q '<stdin>:51: line longer than 1 MiB' $X/noeol.err"
# A line longer than the 256 KiB that parse reads at a time, and under
# its 1 MiB limit: parsed whole, from a file and from a pipe.
ua='Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
{ for i in 1 2 3; do
	printf '192.0.2.%d - - [10/Oct/2024:13:55:3%d +0000] "GET /p%d?q=' $i $i $i
	[ $i != 2 ] || head -c 600000 /dev/zero | tr '\0' q
	printf ' HTTP/1.1" 200 1 "-" "%s"\n' "$ua"
  done; } >"$X/l600.log"
check "hostile: a line of 600 KB (more than a read, under 1 MiB) parses whole, from a file and through a pipe" \
    "$bin/revisit-parse -q -f combined $X/l600.log >$X/l600.mp && $DU $X/l600.mp | jq -s -e 'length == 3 and .[1].path == \"/p2\" and (.[1].query | length) == 600002 and .[2].path == \"/p3\"' >/dev/null && cat $X/l600.log | $bin/revisit-parse -q -f combined | cmp - $X/l600.mp"

# ------------------------------------------------ a million fields
awk 'BEGIN { printf "{\"status\":\"200\",\"request\":\"GET / HTTP/1.1\",\"time_local\":\"01/Jun/2024:00:00:00 +0000\""
    for (i = 0; i < 1000000; i++) printf ",\"k%d\":%d", i, i; print "}" }' >"$X/wide.json"
awk 'BEGIN { printf "{\"status\":\"200\",\"request\":\"GET / HTTP/1.1\",\"time_local\":\"01/Jun/2024:00:00:00 +0000\""
    for (i = 0; i < 60000; i++) printf ",\"k%d\":%d", i, i; print "}" }' >"$X/wide60k.json"
check "hostile: JSON lines with a million fields (a reject: too long) and 60,000 (parsed) in parse; dump --pack and back keeps them all" \
    "$bin/revisit-parse -q -f json $X/wide.json $X/wide60k.json 2>$X/wide.err | $DU --count | grep -q '^hit	1\$' && grep -q 'wide.json:1: line longer than 1 MiB' $X/wide.err && rss 1048576 $DU --pack $X/wide.json >$X/wide.mp && $DU $X/wide.mp | jq -e 'length == 1000003' >/dev/null"

# ------------------------------------------------ hostile MessagePack
printf '\335\377\377\377\377\300' >"$X/huge-count.mp"
printf '\333\377\377\377\360abc' >"$X/huge-str.mp"
head -c 100000 /dev/zero | tr '\0' '\221' >"$X/deep.mp"
check "hostile: MessagePack claiming 4 billion elements or bytes, or nested 100,000 deep: 65 naming file and record, for dump, sessionize and state, in little memory" \
    "for f in huge-count huge-str deep; do for c in '$DU' '$SZ -q' '$bin/revisit-state -q --update $X/st'; do rss 65536 \$c $X/\$f.mp >/dev/null 2>$X/mp.err; r=\$?; [ \$r -eq 65 ] && grep -q \"\$f.mp: record 1\" $X/mp.err || { echo \"\$c \$f: \$r\"; cat $X/mp.err; exit 1; }; done; done"
# An audience list whose header claims a trillion members: diff sizes its
# table by the header, within what the file's bytes could hold.
$DU "$Q/aud/high_value.mp" | head -n 3 | sed '1s/"count":[0-9]*/"count":1099511627776/' | $DU -p >"$X/trillion.mp"
check "hostile: an old list claiming a trillion members: diff is 65 (cut short), in little memory, from a file or a pipe" \
    "rss 65536 $bin/revisit-diff -q $X/trillion.mp $Q/aud/high_value.mp >/dev/null 2>$X/tr.err; [ \$? -eq 65 ] && grep -q 'cut short: 2 of 1099511627776' $X/tr.err && cat $X/trillion.mp | rss 65536 $bin/revisit-diff -q - $Q/aud/high_value.mp >/dev/null 2>$X/tr.err; [ \$? -eq 65 ]"
check "hostile: a record longer than 256 MiB is 65, not buffered further" \
    "{ printf '\\333\\040\\000\\000\\000'; head -c 300000000 /dev/zero; } | rss 600000 $DU >/dev/null 2>$X/big.err; [ \$? -eq 65 ] && grep -q 'longer than 256 MiB' $X/big.err"

# ------------------------------------------------ a crowd of visitors
# 300,000 distinct visitors in one hour: in time order some 150,000
# sessions are open at once (150 MB). Sorting by visitor keeps one open:
# memory stays within --memory-limit plus the stage's fixed buffers
# (16 MiB), whether sorting is asked for or falls back, and the sessions
# are those streaming with memory enough writes, byte for byte. Under
# AddressSanitizer, whose quarantine keeps freed memory, only the latter.
sh "$top/scripts/gen-crowd" 300000 3600 | $P -q -o "$X/crowd.mp"
crowdlim=$((16384 + 16384))
ldd "$bin/revisit-sessionize" 2>/dev/null | grep -q libasan && crowdlim=4000000
check "hostile: 300,000 visitors in an hour: --sort and the fallback stay within --memory-limit 16M (+16 MiB), with the sessions streaming gives" \
    "$SZ -q --stream --memory-limit 4G -o $X/crowd-stream.mp $X/crowd.mp && rss $crowdlim $SZ -q --sort --memory-limit 16M -o $X/crowd-sort.mp $X/crowd.mp && rss $crowdlim $SZ --memory-limit 16M -o $X/crowd-auto.mp $X/crowd.mp 2>$X/crowd.err && grep -q 'sorting the input on disk' $X/crowd.err && cmp $X/crowd-stream.mp $X/crowd-sort.mp && cmp $X/crowd-stream.mp $X/crowd-auto.mp && $DU --count $X/crowd-sort.mp | grep -qx 'session	300000'"
rm -f "$X"/crowd*

# ------------------------------------------------ decompression bombs
yes '1.2.3.4 - - [01/Jun/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x" "-" "-"' |
    head -c 200000000 | zstd -q -19 >"$X/bomb.zst"
(cd "$X" && head -c 100000000 /dev/zero | tr '\0' 'a' >bomb.txt && tar cf - bomb.txt | xz -1 >bomb.tar.xz && rm bomb.txt)
check "hostile: decompression bombs (zstd 12000:1, tar.xz of 100 MB of one byte) stop at --max-ratio 1000 with 65, naming the input; the next input is read" \
    "$DC -q $X/bomb.zst $F/a.log.gz >$X/bomb.out 2>$X/bomb.err; [ \$? -eq 65 ] && grep -q 'bomb.zst: more than 1000 times' $X/bomb.err && [ \$(stat -c %s $X/bomb.out) -lt 100000000 ] && tail -c 300001 $X/bomb.out | head -c 300000 | cmp -s - $F/a.log && $DC -q $X/bomb.tar.xz >/dev/null 2>$X/bomb2.err; [ \$? -eq 65 ] && grep -q 'bomb.tar.xz:bomb.txt: more than 1000 times' $X/bomb2.err && $DC -q --max-ratio 0 $X/bomb.tar.xz | wc -c | grep -qx 100000001"

# ------------------------------------------------ tar member paths
python3 - "$X" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1] + "/paths.tar", "w") as t:
    for name, text in (("/etc/revisit-abs.log", b"abs line\n"), ("../../revisit-up.log", b"up line\n"),
                       ("a/../../b.log", b"dots line\n")):
        i = tarfile.TarInfo(name)
        i.size = len(text)
        t.addfile(i, io.BytesIO(text))
EOF
check "hostile: tar members with absolute and .. paths are read as text, named as given, and nothing is written outside" \
    "mkdir -p $X/cwd && cd $X/cwd && $DC -q --mark ../paths.tar >$X/paths.out && [ -z \"\$(ls -A $X/cwd)\" ] && [ ! -e /etc/revisit-abs.log ] && [ ! -e $t/revisit-up.log ] && grep -qx '#revisit-input ../paths.tar:/etc/revisit-abs.log' $X/paths.out && grep -qx 'up line' $X/paths.out && grep -qx 'dots line' $X/paths.out"

# ------------------------------------------------ NUL and control bytes
# Each field of a good line with NUL, ESC, DEL and a bad UTF-8 byte in it,
# a field at a time: parse keeps or rejects each line, and what it keeps
# goes through every stage and is dumped as valid JSON.
good='203.0.113.9 - - [01/Jun/2024:10:00:00 +0000] "GET /product/SKU-1?utm_source=a HTTP/1.1" 200 512 "https://www.google.com/" "Mozilla/5.0 (X11)" "v1" "u1"'
python3 - "$good" >"$X/ctl.log" <<'EOF'
import sys
line = sys.argv[1].encode()
fields = [b"203.0.113.9", b"01/Jun/2024", b"GET", b"/product/SKU-1", b"utm_source=a", b"200", b"512",
          b"https://www.google.com/", b"Mozilla/5.0 (X11)", b'"v1"', b'"u1"']
out = [line]
for f in fields:
    for bad in (b"\0", b"\x1b[31m", b"\x7f", b"\xff", b"\r", b"\t"):
        mid = len(f) // 2 or 1
        out.append(line.replace(f, f[:mid] + bad + f[mid:], 1))
sys.stdout.buffer.write(b"\n".join(out) + b"\n")
EOF
check "hostile: NUL and control bytes in every field: no crash; what is kept goes through sessionize, funnel, attribute and state, and dumps as valid JSON" \
    "$P -q --max-reject-ratio 1 --max-warnings 0 $X/ctl.log >$X/ctl.mp 2>/dev/null && $DU --count $X/ctl.mp | grep -q '^hit' && $SZ -q $X/ctl.mp | $FN -q | $bin/revisit-attribute -q >$X/ctl.s.mp && $DU $X/ctl.s.mp | jq -e . >/dev/null && $DU $X/ctl.mp | jq -e . >/dev/null && $bin/revisit-state -q --update $X/ctlst $X/ctl.s.mp >/dev/null && $bin/revisit-state --dump $X/ctlst | tail -n +2 | jq -e . >/dev/null && $bin/revisit-audience -q --state $X/ctlst -o $X/ctlaud --min-size 1 && for f in $X/ctlaud/*.mp; do $DU \$f | jq -e . >/dev/null || exit 1; done"
