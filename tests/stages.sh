#!/bin/sh
# stages.sh BIN: end-to-end tests of the built stages in BIN, on the files
# in tests/data and, where present, ../shared/data (data we may not copy:
# those checks say "skip" when it is absent). Prints "ok - name" or
# "not ok - name" per check; exits 1 if any failed.
set -u
bin=$(cd "${1:?usage: stages.sh BIN}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
d=$top/tests/data
shared=${REVISIT_SHARED_DATA:-$top/../shared/data}
t=$(mktemp -d "${TMPDIR:-/tmp}/revisit-e2e.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT INT TERM
fails=0 n=0

check() {
	n=$((n + 1))
	if (eval "$2") >"$t/check.out" 2>&1; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		sed 's/^/#   /' "$t/check.out" | head -20
		fails=$((fails + 1))
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # skip $2"; }
have() { command -v "$1" >/dev/null 2>&1; }

DC=$bin/revisit-decompress
P=$bin/revisit-parse
DU=$bin/revisit-dump
SZ="$bin/revisit-sessionize --site-host shop.example.com"
FN=$bin/revisit-funnel
A=$d/apache-logs-elastic/apache_logs

# ---------------------------------------------------------------- common
for s in decompress parse dump sessionize funnel attribute; do
	check "$s: --help is 0 and names the program" \
	    "$bin/revisit-$s --help | grep -q 'usage: revisit-$s'"
	check "$s: a bad option is 64" \
	    "$bin/revisit-$s --no-such-option </dev/null 2>/dev/null; [ \$? -eq 64 ]"
	check "$s: --version" "$bin/revisit-$s --version | grep -q '^revisit-$s (revisit) '"
	check "$s: a missing input is 66" \
	    "$bin/revisit-$s /nonexistent/x </dev/null >/dev/null 2>&1; [ \$? -eq 66 ]"
done

check "state: --help is 0 and names the program" \
    "$bin/revisit-state --help | grep -q 'usage: revisit-state'"
check "state: no --update, --check or --dump is 64" \
    "$bin/revisit-state </dev/null >/dev/null 2>&1; [ \$? -eq 64 ]"
check "state: --version" "$bin/revisit-state --version | grep -q '^revisit-state (revisit) '"
check "state: a missing input is 66, and the state is not updated" \
    "$bin/revisit-state -q --update $t/st0 /nonexistent/x </dev/null >/dev/null 2>&1; [ \$? -eq 66 ] && [ ! -e $t/st0/MANIFEST ]"
check "state: an option after --update is not taken for the state's directory (64, nothing created)" \
    "(cd $t && $bin/revisit-state -q --update --compact /dev/null >/dev/null 2>$t/st1.err; [ \$? -eq 64 ] && grep -q 'not .--compact.' $t/st1.err && [ ! -e ./--compact ])"
mkfifo "$t/fifo"
check "-o onto a FIFO writes into it and leaves it a FIFO" \
    "timeout 10 cat $t/fifo >$t/fifo.out & printf 'a - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1\\n' | $bin/revisit-parse -q -f common -o $t/fifo; wait && [ -p $t/fifo ] && $bin/revisit-dump $t/fifo.out | grep -q '\"path\":\"/\"'"

# ---------------------------------------------------------- decompress
cp "$A" "$t/a.log"
gzip -c "$t/a.log" >"$t/a.log.gz"
bzip2 -c "$t/a.log" >"$t/a.log.bz2"
xz -c "$t/a.log" >"$t/a.log.xz"
zstd -q -c "$t/a.log" >"$t/a.log.zst"
lz4 -q -c "$t/a.log" >"$t/a.log.lz4"
head -c 1000000 "$t/a.log" | gzip -c >"$t/m.gz"
tail -c +1000001 "$t/a.log" | gzip -c >>"$t/m.gz"

check "decompress: gzip equals zcat" "$DC -q $t/a.log.gz | cmp - $t/a.log"
check "decompress: multi-member gzip equals zcat" \
    "zcat $t/m.gz >$t/m.ref && $DC -q $t/m.gz | cmp - $t/m.ref"
check "decompress: zlib engine equals zcat" \
    "$DC -q --inflate zlib $t/m.gz | cmp - $t/m.ref"
check "decompress: bzip2 equals bzcat" "bzcat $t/a.log.bz2 | cmp - $t/a.log && $DC -q $t/a.log.bz2 | cmp - $t/a.log"
check "decompress: xz equals xzcat" "$DC -q $t/a.log.xz | cmp - $t/a.log"
check "decompress: zstd equals zstdcat" "zstdcat $t/a.log.zst | cmp - $t/a.log && $DC -q $t/a.log.zst | cmp - $t/a.log"
check "decompress: lz4 equals lz4cat" "$DC -q $t/a.log.lz4 | cmp - $t/a.log"
check "decompress: plain text passes through" "$DC -q $t/a.log | cmp - $t/a.log"
check "decompress: stdin equals the file operand" "$DC -q <$t/a.log.xz | cmp - $t/a.log"

mkdir -p "$t/tree/logs"
head -n 3000 "$A" >"$t/tree/logs/access.log.1"
tail -n 2000 "$A" >"$t/tree/logs/access.log"
printf 'x - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 1\n' >"$t/tree/other.txt"
(cd "$t/tree" && tar cf "$t/a.tar" logs other.txt && tar czf "$t/a.tgz" logs other.txt &&
    tar cJf "$t/a.txz" logs other.txt && tar c logs other.txt | zstd -q >"$t/a.tar.zst" &&
    bsdtar --format zip -cf "$t/a.zip" logs other.txt)
for f in a.tar a.tgz a.txz a.tar.zst a.zip; do
	check "decompress: $f equals bsdtar -xOf" \
	    "bsdtar -xOf $t/$f >$t/$f.ref && $DC -q $t/$f | cmp - $t/$f.ref"
done
check "decompress: --member selects entries by base name" \
    "$DC -q --member 'access.log*' $t/a.tgz >$t/sel && cat $t/tree/logs/access.log.1 $t/tree/logs/access.log | cmp - $t/sel"
check "decompress: --member selects entries by path" \
    "$DC -q -m 'logs/access.log' $t/a.zip | cmp - $t/tree/logs/access.log"
(cd "$t/tree" && gzip -c logs/access.log.1 >logs/access.log.1.gz && printf 'no newline' >last.txt &&
    tar czf "$t/nested.tgz" logs/access.log.1.gz last.txt)
check "decompress: gzipped entries inside a tar are decompressed" \
    "$DC -q $t/nested.tgz | head -n 3000 | cmp - $t/tree/logs/access.log.1"
check "decompress: an entry without a final newline gets one" \
    "[ \"\$($DC -q $t/nested.tgz | tail -n 1)\" = 'no newline' ] && $DC -q $t/nested.tgz | tail -c 1 | od -c | grep -q '\\\\n'"
check "decompress: --list shows entries, formats and sizes" \
    "$DC -q --list $t/nested.tgz $t/a.log.xz >$t/list && grep -q 'gzip/tar/gzip/text .* 3000' $t/list -- 2>/dev/null || (grep -q 'gzip/tar/gzip/text' $t/list && grep -q 'nested.tgz:logs/access.log.1.gz' $t/list && grep -q 'xz/text .* $(wc -c <$A) ' $t/list)"

head -c 150000 "$t/a.log.gz" >"$t/trunc.gz"
check "decompress: truncated gzip gives zcat's prefix and 65" \
    "$DC -q $t/trunc.gz >$t/tr.out 2>$t/tr.err; [ \$? -eq 65 ] && zcat $t/trunc.gz >$t/tr.ref 2>/dev/null; head -c \$(wc -c <$t/tr.ref) $t/tr.out | cmp - $t/tr.ref && grep -q 'trunc.gz: truncated gzip data at byte 150000' $t/tr.err"
check "decompress: inputs after a damaged one are still read" \
    "$DC -q $t/trunc.gz $t/a.log.gz >$t/tr2.out 2>/dev/null; [ \$? -eq 65 ] && tail -c \$(wc -c <$t/a.log) $t/tr2.out | cmp - $t/a.log"
head -c $(($(wc -c <"$t/a.tgz") / 2)) "$t/a.tgz" >"$t/trunc.tgz"
check "decompress: truncated tar.gz keeps what is readable, 65" \
    "$DC -q $t/trunc.tgz >$t/tt.out 2>$t/tt.err; [ \$? -eq 65 ] && k=\$((\$(wc -c <$t/tt.out) - 1)) && [ \$k -gt 100000 ] && head -c \$k $t/tt.out | cmp - $t/a.tgz.ref -n \$k && grep -q 'trunc.tgz:logs/access.log' $t/tt.err"
check "decompress: -o is atomic: a failed run leaves the old file" \
    "echo old >$t/o.txt && $DC -q -o $t/o.txt $t/trunc.gz 2>/dev/null; [ \$? -eq 65 ] && [ \"\$(cat $t/o.txt)\" = old ] && $DC -q -o $t/o.txt $t/a.log.gz && cmp $t/o.txt $t/a.log && ! ls $t/o.txt.tmp.* 2>/dev/null"
check "decompress: summary line on stderr" \
    "$DC $t/a.log.gz 2>&1 >/dev/null | grep -q 'revisit-decompress: 1 inputs, 0 archive entries, .* 0 damaged'"

# --------------------------------------------------------------- parse
check "parse: apache_logs: 9,999 hits, line 8899 rejected by number" \
    "$P --keep-bots --keep-assets $A >$t/a.mp 2>$t/a.err && [ \"\$($DU -c $t/a.mp | head -1)\" = \"\$(printf 'hit\t9999')\" ] && grep -q 'apache_logs:8899: unterminated quoted field' $t/a.err && grep -q '1 rejected' $t/a.err"
check "parse: --rejects saves the rejected line" \
    "$P -q --rejects $t/rej.txt $A >/dev/null 2>&1 && sed -n 8899p $A | cmp - $t/rej.txt"
check "parse: compressed copies give the same records" \
    "for z in gz bz2 xz zst; do $DC -q $t/a.log.\$z | $P -q --keep-bots --keep-assets 2>/dev/null | cmp - $t/a.mp || exit 1; done"
check "parse: default drops bots and assets and counts them" \
    "$P $A 2>&1 >/dev/null | grep -q 'hits written, [0-9]* bots and [0-9]* assets dropped'"
check "parse: file operand equals stdin" \
    "$P -q --keep-bots --keep-assets <$A 2>/dev/null | cmp - $t/a.mp"
check "parse: dump | dump --pack gives back the same bytes" \
    "$DU $t/a.mp | $DU --pack | cmp - $t/a.mp"
check "parse: too many rejects is 65" \
    "printf 'garbage\nmore garbage\n' | $P -q -f combined >/dev/null 2>&1; [ \$? -eq 65 ]"
check "parse: --max-reject-ratio lets them through" \
    "(head -n 5 $A; echo garbage) | $P -q --max-reject-ratio 0.5 >/dev/null 2>&1"
check "parse: a bad format is 64 with a message" \
    "$P -f '\$remote_addr \$status' </dev/null 2>$t/fe; [ \$? -eq 64 ] && grep -q 'no time field' $t/fe"
check "parse: a compressed input is refused with advice" \
    "$P $t/a.log.gz >/dev/null 2>$t/ce; [ \$? -eq 65 ] && grep -q 'revisit-decompress' $t/ce"
check "parse: an empty input writes nothing and is 0" \
    "$P -q </dev/null | cmp - /dev/null"
check "parse: -o writes the file atomically" \
    "$P -q -o $t/o.mp --keep-bots --keep-assets $A 2>/dev/null && cmp $t/o.mp $t/a.mp"

# Filebeat's expectations, field by field.
fb_check() {	# log expected.json format [max-reject-ratio]
	$P -q -f "$3" --keep-bots --keep-assets --max-reject-ratio "${4:-0.01}" "$1" 2>/dev/null |
	    $DU >"$t/fb.jsonl" || return 1
	jq -s -r --slurpfile want "$2" '
	    def url: if .path == null then null
		else .path + (if .query == "" then "" else "?" + .query end) end;
	    def ms(s): (s | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601) * 1000;
	    . as $got | [range(0; $want[0] | length)] | map(
		. as $i | $want[0][$i] as $w | $got[$i] as $g |
		[ (ms($w["@timestamp"]) == $g.ts),
		  ($w["source.address"] == $g.ip),
		  (($w["http.request.method"] // null) == (if $g.method then ($g.method | ascii_downcase) else null end)
		    or ($w["http.request.method"] // null) == $g.method),
		  (($w["url.original"] // null) == ($g | url)),
		  ($w["http.response.status_code"] == $g.status),
		  (($w["http.response.body.bytes"] // 0) == $g.bytes),
		  (($w["http.request.referrer"] // "-") == ($g.referrer // "-")),
		  (if $w["user_agent.original"] then $w["user_agent.original"] == $g.ua else true end)
		] | if all then empty else "record \($i): \(.)" end) | .[]' \
	    "$t/fb.jsonl" >"$t/fb.diff" || return 1
	[ ! -s "$t/fb.diff" ] || { cat "$t/fb.diff"; return 1; }
}
check "parse: filebeat nginx: field by field" \
    "fb_check $d/filebeat/nginx/test.log $d/filebeat/nginx/test.log-expected.json combined"
check "parse: filebeat apache: field by field (line 7 is vhost_combined)" \
    "fb_check $d/filebeat/apache/test.log $d/filebeat/apache/test.log-expected.json combined 0.2"
check "parse: filebeat apache darwin: field by field" \
    "fb_check $d/filebeat/apache/darwin-2.4.23.log $d/filebeat/apache/darwin-2.4.23.log-expected.json common"

# lnav's shop log and its report.
S=$d/lnav/logfile_shop_access_log.0
check "parse: lnav shop log: 1,000 hits, 0 rejects" \
    "$P --keep-bots --keep-assets $S 2>$t/shop.err >$t/shop.mp && grep -q '1000 lines: 1000 hits written.* 0 rejected' $t/shop.err"
check "parse: lnav shop log: status classes 938/38/24" \
    "[ \"\$($DU $t/shop.mp | jq -s -c '[group_by(.status / 100 | floor)[] | length]')\" = '[938,38,24]' ]"
check "parse: lnav shop log: 110 distinct (address, agent) pairs" \
    "[ \"\$($DU $t/shop.mp | jq -s '[.[] | [.ip, .ua]] | unique | length')\" = 110 ]"
check "parse: lnav shop log: UTC from +0330" \
    "[ \"\$($DU $t/shop.mp | head -1 | jq .ts)\" = 1548116774000 ]"
check "parse: lnav shop log: referring hosts as in lnav's report" \
    "[ \"\$($DU $t/shop.mp | jq -r 'select(.referrer) | .referrer | capture(\"^https?://(?<h>[^/]+)\").h' | sort | uniq -c | sort -rn | head -3 | awk '{print \$2\":\"\$1}' | tr '\n' ' ')\" = 'www.zanbil.ir:468 www-zanbil-ir.cdn.ampproject.org:6 znbl.ir:3 ' ]"
check "parse: lnav bad log: the malformed middle line is rejected as line 2" \
    "$P -q --max-reject-ratio 0.5 $d/lnav/logfile_bad_access_log.0 2>$t/bad.err | $DU -c | grep -q 'hit.2' && grep -q 'logfile_bad_access_log.0:2:' $t/bad.err"
check "parse: lnav '-' request with status 400" \
    "$P -q --keep-bots $d/lnav/logfile_access_log.1 | $DU | jq -e '.status == 400 and .method == null and .bytes == 0' >/dev/null"

# Matomo's fixtures are GPL: read from ../shared/data, never copied.
M=$shared/matomo-log-analytics-fixtures
if [ -d "$M" ]; then
	check "parse: matomo common.log (common): 2012-02-10T21:42:07Z, /, 301, 368" \
	    "$P -q -f common $M/common.log | $DU | jq -e '.ip == \"1.2.3.4\" and .ts == 1328910127000 and .path == \"/\" and .status == 301 and .bytes == 368' >/dev/null"
	check "parse: matomo ncsa_extended.log (combined): referrer absent, agent" \
	    "$P -q -f combined $M/ncsa_extended.log | $DU | jq -e '.referrer == null and (.ua | startswith(\"Mozilla/5.0 (X11; Linux x86_64)\"))' >/dev/null"
	check "parse: matomo common_vhost.log (vcombined): host" \
	    "$P -q -f vcombined $M/common_vhost.log | $DU | jq -e '.host == \"www.example.com\" and .status == 301' >/dev/null"
	check "parse: matomo common_complete.log (vcombined)" \
	    "$P -q -f vcombined $M/common_complete.log | $DU | jq -e '.host == \"www.example.com\" and .ip == \"1.2.3.4\"' >/dev/null"
	check "parse: matomo big5 path kept as bytes" \
	    "$P -q -f vcombined $M/common_encoding_big5.log | $DU | jq -e '.path | test(\"udc\") | not' >/dev/null && [ \"\$($P -q -f vcombined $M/common_encoding_big5.log | $DU | jq -r .path | od -An -tx1 | tr -d ' \n' | cut -c1-6)\" = 2fac b0 ] 2>/dev/null || $P -q -f vcombined $M/common_encoding_big5.log | $DU | grep -q 'udca'"
	check "parse: matomo static_ignores: / and /robots.txt stay, png and woff2 are assets" \
	    "[ \"\$($P -q -f vcombined $M/static_ignores.log | $DU | jq -r .path | tr '\n' ' ')\" = '/ /robots.txt ' ]"
	check "parse: matomo logs_to_tests: blank and # lines skipped, 0 rejects" \
	    "$P -f combined --keep-bots $M/logs_to_tests.log 2>&1 >/dev/null | grep -q ' 0 rejected, 2 empty or comment'"
	check "parse: matomo gandi.log is rejected, not mis-parsed" \
	    "$P -q -f vcombined $M/gandi.log >/dev/null 2>&1; [ \$? -eq 65 ]"
	for z in gz:zcat bz2:bzcat; do
		check "parse: matomo common.log.${z%:*} through decompress = parse of ${z#*:}'s text" \
		    "$DC -q $M/common.log.${z%:*} | $P -q -f common >$t/mz.mp && ${z#*:} $M/common.log.${z%:*} >$t/mz.txt && $P -q -f common $t/mz.txt | cmp - $t/mz.mp && [ -s $t/mz.mp ]"
	done
	check "parse: matomo common.log.gz: first hit 1.2.3.5 POST /form 200 145" \
	    "$DC -q $M/common.log.gz | $P -q -f common | $DU | head -1 | jq -e '.ip == \"1.2.3.5\" and .path == \"/form\" and .status == 200 and .bytes == 145' >/dev/null"
	check "parse: matomo mutations: runs of spaces, trailing garbage, IPv6" \
	    "sed 's/ - / -   /' $M/ncsa_extended.log >$t/m1 && sed 's/\$/ garbage/' $M/ncsa_extended.log >$t/m2 && sed 's/1\.2\.3\.4/0:0:0:0:0:ffff:7b2d:4359/' $M/ncsa_extended.log >$t/m3 && for f in $t/m1 $t/m2 $t/m3; do $P -q -f combined \$f | $DU -c | grep -q 'hit.1' || exit 1; done"
else
	skip "parse: matomo log-analytics fixtures" "$M absent (GPL data, not copied)"
fi

# Generated logs: what the generator made, parse counts.
G=$t/gen
check "gen-logs: is deterministic" \
    "$bin/revisit-gen-logs -o $G --days 2 --lines 20000 2>/dev/null && $bin/revisit-gen-logs -o $t/gen2 --days 2 --lines 20000 2>/dev/null && cat $G/logs/*.log | cmp - \$(cat $t/gen2/logs/*.log >$t/g2all; echo $t/g2all)"
check "parse: generated logs: pages, assets, bots and malformed lines as simulated" \
    "cat $G/logs/*.log | $P --keep-bots --keep-assets 2>$t/g.err | $DU | jq -r .kind | sort | uniq -c | awk '{print \$2\"\t\"\$1}' >$t/kinds && grep -q \"^page	\$(awk '\$1==\"pages\"{print \$2}' $G/truth/summary.tsv)\$\" $t/kinds && grep -q \"^asset	\$(awk '\$1==\"assets\"{print \$2}' $G/truth/summary.tsv)\$\" $t/kinds && grep -q \"^bot	\$(awk '\$1==\"bots\"{print \$2}' $G/truth/summary.tsv)\$\" $t/kinds && grep -q \"\$(awk '\$1==\"malformed\"{print \$2}' $G/truth/summary.tsv) rejected\" $t/g.err"
check "parse: generated logs: vids are the cookies" \
    "cat $G/logs/*.log | $P -q 2>/dev/null | $DU | jq -r .vid | grep -c '^v' | grep -qx \"\$(awk '\$1==\"pages\"{print \$2}' $G/truth/summary.tsv)\""

# ------------------------------------------------- sessionize and funnel
# Three days of four servers: each server's files, in time order, and
# merged with disorder; the generator's truth says what must come out.
W=$t/week
"$bin/revisit-gen-logs" -o "$W" --days 3 --lines 60000 --merged "$W/merged.log" 2>/dev/null
"$bin/revisit-gen-logs" -o "$t/w2" --days 3 --lines 60000 --merged "$W/ordered.log" --jitter 0 --no-split 2>/dev/null
cat "$W"/logs/access-s1-* "$W"/logs/access-s2-* "$W"/logs/access-s3-* "$W"/logs/access-s4-* >"$W/concat.log"
for f in ordered merged concat; do
	$P -q "$W/$f.log" 2>/dev/null >"$W/$f.hits"
done
$SZ -q "$W/merged.hits" >"$W/merged.sess" 2>/dev/null
$FN -q "$W/merged.sess" >"$W/merged.fun"

check "sessionize: sessions per visitor, times, pages, channel, source, medium, campaign, click id, landing, device = the generator's, 100%" \
    "$DU $W/merged.sess | jq -r '[.vid,.start,.end,.hits,.channel,.source,.medium,.campaign,(.click_id//\"-\"),.landing,.device]|@tsv' | sort >$t/s.got && tail -n +2 $W/truth/sessions.tsv | sort >$t/s.want && [ -s $t/s.want ] && cmp $t/s.want $t/s.got"
check "sessionize: the same sessions, byte for byte, time-ordered, merged or concatenated" \
    "$SZ -q $W/ordered.hits >$t/o.sess 2>/dev/null && $SZ -q $W/concat.hits >$t/c.sess 2>$t/c.err && cmp $t/o.sess $W/merged.sess && cmp $t/c.sess $W/merged.sess"
check "sessionize: concatenated server files: their four time-ordered parts merged, not sorted, and it says so" \
    "$SZ $W/concat.hits 2>&1 >/dev/null | grep -q 'merged 4 time-ordered parts' && ! $SZ $W/concat.hits 2>&1 >/dev/null | grep -q sort"
# Every file in reverse: each server's days backwards, nine parts.
cat $(ls -r "$W"/logs/access-*.log) | $P -q 2>/dev/null >"$W/reversed.hits"
check "sessionize: server days in reverse: nine parts merged, the same sessions" \
    "$SZ $W/reversed.hits 2>$t/rv.err | cmp - $W/merged.sess && grep -q 'merged 9 time-ordered parts' $t/rv.err"
check "sessionize: more parts than --memory-limit gives readers for (8 at 8M): sorted, the same sessions, and it says so" \
    "$SZ --memory-limit 8M $W/reversed.hits 2>$t/mp.err | cmp - $W/merged.sess && grep -q 'more than 8 time-ordered parts' $t/mp.err && grep -q 'sorted .* page hits' $t/mp.err"
for i in 1 2 3 4; do
	cat "$W"/logs/access-s$i-* | $P -q 2>/dev/null >"$W/s$i.hits"
done
check "sessionize: each server's hits as an input of its own: merged by time, streamed, the same sessions" \
    "$SZ --stream $W/s1.hits $W/s2.hits $W/s3.hits $W/s4.hits >$t/m4.sess 2>$t/m4.err && cmp $t/m4.sess $W/merged.sess && ! grep -q sort $t/m4.err"
check "sessionize: far disorder through a pipe (spooled) and into -o (undone in place)" \
    "cat $W/concat.hits | $SZ -q >$t/cp.sess 2>/dev/null && cmp $t/cp.sess $W/merged.sess && cat $W/concat.hits | $SZ -q -o $t/co.sess && cmp $t/co.sess $W/merged.sess && $SZ -q -o $t/cf.sess $W/concat.hits && cmp $t/cf.sess $W/merged.sess"
check "sessionize: --sort gives the same sessions" \
    "$SZ -q --sort $W/merged.hits | cmp - $W/merged.sess"
check "sessionize: --stream on concatenated files fails with 65, names the record" \
    "$SZ -q --stream $W/concat.hits >/dev/null 2>$t/st.err; [ \$? -eq 65 ] && grep -q 'concat.hits: record [0-9]*: hit at' $t/st.err"
check "sessionize: --stream on merged input gives the same sessions" \
    "$SZ -q --stream $W/merged.hits | cmp - $W/merged.sess"
check "sessionize: a tiny --memory-limit sorts on disk, same sessions" \
    "$SZ -q --memory-limit 1 $W/merged.hits | cmp - $W/merged.sess"
check "sessionize: other records pass through, after the sessions" \
    "cat $W/merged.sess $W/merged.hits | $SZ -q >$t/pt.sess && $DU -c $t/pt.sess | grep -q \"^session	\$((2 * \$(awk 'NR>1' $W/truth/sessions.tsv | wc -l)))\$\" && head -c \$(wc -c <$W/merged.sess) $t/pt.sess | cmp - $W/merged.sess"
check "sessionize: without --site-host it warns once" \
    "$bin/revisit-sessionize $W/merged.hits 2>&1 >/dev/null | grep -c 'no --site-host' | grep -qx 1"
check "sessionize: --timeout 1h merges more, --no-campaign-split merges campaign clicks" \
    "a=\$($SZ -q $W/merged.hits | $DU -c | head -1 | cut -f2) && b=\$($SZ -q --timeout 3h $W/merged.hits | $DU -c | head -1 | cut -f2) && c=\$($SZ -q --no-campaign-split $W/merged.hits | $DU -c | head -1 | cut -f2) && [ \$b -lt \$a ] && [ \$c -lt \$a ]"
check "sessionize: a bad duration is 64" \
    "$SZ --timeout soon </dev/null 2>/dev/null; [ \$? -eq 64 ]"
check "funnel: purchases (order ids, values) = the generator's, 100%" \
    "$DU $W/merged.fun | jq -r '.purchases[] | [.order_id, .value_text, .currency, .ts] | @tsv' | sort >$t/p.got && tail -n +2 $W/truth/purchases.tsv | awk -F'\t' '{print \$1\"\t\"\$4\"\t\"\$5\"\t\"\$3}' | sort >$t/p.want && [ -s $t/p.want ] && cmp $t/p.want $t/p.got"
check "funnel: cart adds per session = the generator's, 100%" \
    "$DU $W/merged.fun | jq -r '.vid as \$v | .start as \$s | .skus_carted[] | [\$v, \$s, .] | @tsv' | sort -u >$t/c.got && awk -F'\t' 'FNR==1{next} FILENAME ~ /sessions/ {k[\$1]++; S[\$1,k[\$1]]=\$2; E[\$1,k[\$1]]=\$3; next} {for(i=1;i<=k[\$1];i++) if (\$2>=S[\$1,i] && \$2<=E[\$1,i]) {print \$1\"\t\"S[\$1,i]\"\t\"\$3; break}}' $W/truth/sessions.tsv $W/truth/carts.tsv | sort -u >$t/c.want && [ -s $t/c.want ] && cmp $t/c.want $t/c.got"
check "funnel: reloaded confirmation pages keep the stage, add no purchase" \
    "$FN $W/merged.sess 2>&1 >/dev/null | grep -q \"\$(awk '\$1==\"purchases\"{print \$2}' $W/truth/summary.tsv) purchases, [1-9][0-9]* repeated confirmations not counted\""
check "funnel: --report table and --report-json" \
    "$FN -q --report $t/rep.txt --report-json $t/rep.json $W/merged.sess >/dev/null && grep -q '^purchase ' $t/rep.txt && jq -e '.stages | length == 4 and .[3].stage == \"purchase\" and .[3].open.sessions > 0' $t/rep.json >/dev/null"
check "funnel: --rules with a custom file; a bad file is 64 with its line" \
    "printf 'seen regex:^/product/ \n' >$t/r.conf && $FN -q -r $t/r.conf $W/merged.sess | $DU | jq -e 'select(.stages == [\"seen\"])' >/dev/null && printf 'x bogus\n' >$t/bad.conf && $FN -r $t/bad.conf </dev/null 2>$t/re; [ \$? -eq 64 ] && grep -q 'bad.conf:1:' $t/re"
check "funnel: stages_ts and skus_*_ts date each stage and sku by its latest page" \
    "[ \"\$($DU $W/merged.fun | jq -e 'select(.skus_viewed | length > 1) | (.stages | length) == (.stages_ts | length) and (.skus_viewed | length) == (.skus_viewed_ts | length) and (. as \$s | [range(0; .skus_viewed | length)] | all(. as \$i | \$s.skus_viewed_ts[\$i] == ([\$s.pages[] | select(.[1] == \"/product/\" + \$s.skus_viewed[\$i]) | .[0]] | max)))' | sort -u)\" = true ]"
check "funnel: --print-rules prints the shipped rules" \
    "$FN --print-rules | grep -q '^purchase '"
check "pipeline: decompress | parse | sessionize | funnel end to end" \
    "gzip -c $W/merged.log >$t/m.gz && $DC -q $t/m.gz | $P -q 2>/dev/null | $SZ -q | $FN -q | cmp - $W/merged.fun"

. "$top/tests/attribute.sh"
. "$top/tests/audience.sh"
. "$top/tests/export.sh"
. "$top/tests/nightly.sh"
. "$top/tests/scale.sh"
. "$top/tests/faults.sh"
. "$top/tests/hostile.sh"

echo "1..$n"
if [ "$fails" -gt 0 ]; then
	echo "# $fails of $n checks failed"
	exit 1
fi
echo "# all $n checks passed"
