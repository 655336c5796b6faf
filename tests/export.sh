# export.sh: end-to-end tests of revisit-diff and revisit-export, sourced
# by stages.sh after audience.sh (its $Q state, $AU, $qnow, members()).
DF=$bin/revisit-diff
EX=$bin/revisit-export
for s in diff export; do
	check "$s: --help is 0 and names the program" \
	    "$bin/revisit-$s --help | grep -q 'usage: revisit-$s'"
	check "$s: a bad option is 64" \
	    "$bin/revisit-$s --no-such-option </dev/null 2>/dev/null; [ \$? -eq 64 ]"
	check "$s: --version" "$bin/revisit-$s --version | grep -q '^revisit-$s (revisit) '"
done
check "audience: --help is 0 and names the program" \
    "$AU --help | grep -q 'usage: revisit-audience'"

# Two nights' lists: yesterday's (--now a day earlier) and today's.
$AU -q --state "$Q/state" --min-size 0 --now $((qnow - 86400000)) -o "$t/d0"
ids() {		# a list or diff file -> "audience id_type id [op]" lines
	$DU "$1" | jq -r 'select(.type == "member") | [.audience, .id_type, .id, (.op // "")] | @tsv' | sort
}
diff_ok() {	# old new: old + adds - removes = new, and the counts add up
	$DF -q "$1" "$2" >"$t/dd.mp" || return 1
	ids "$1" | cut -f1-3 >"$t/dd.old"
	ids "$2" | cut -f1-3 >"$t/dd.new"
	ids "$t/dd.mp" >"$t/dd.ops"
	grep '	add$' "$t/dd.ops" | cut -f1-3 >"$t/dd.add"
	grep '	remove$' "$t/dd.ops" | cut -f1-3 >"$t/dd.rm"
	[ -z "$(comm -12 "$t/dd.old" "$t/dd.add")" ] || return 1
	[ -z "$(comm -13 "$t/dd.old" "$t/dd.rm")" ] || return 1
	comm -23 "$t/dd.old" "$t/dd.rm" | sort - "$t/dd.add" | cmp - "$t/dd.new" || return 1
	$DU "$t/dd.mp" | jq -se '[.[] | select(.type == "diff")] | all(.count == .added + .removed and .size == .kept + .added)' >/dev/null
}
for a in cart_abandoners product_viewers high_value lapsed_customers; do
	check "diff: $a, yesterday to today: old + added - removed = new" \
	    "diff_ok $t/d0/$a.mp $Q/aud/$a.mp"
done
# Lists not in person order (not revisit-audience's): the same diff,
# whether the disorder is at the start, half way, or in the old list.
reorder() {	# LIST HOW OUT: the members shuffled, or their second half reversed
	$DU "$1" | head -n 1 >"$t/ro.json"
	$DU "$1" | tail -n +2 >"$t/ro.m"
	n=$(wc -l <"$t/ro.m")
	if [ "$2" = shuffle ]; then
		shuf --random-source="$1" "$t/ro.m" >>"$t/ro.json"
	else
		head -n $((n / 2)) "$t/ro.m" >>"$t/ro.json"
		tail -n +$((n / 2 + 1)) "$t/ro.m" | tac >>"$t/ro.json"
	fi
	$DU --pack "$t/ro.json" >"$3"
}
check "diff: lists out of person order (shuffled, half reversed, old or new) give the same adds and removes" \
    "reorder $t/d0/product_viewers.mp shuffle $t/pv0s.mp && reorder $Q/aud/product_viewers.mp half $t/pv1h.mp && reorder $Q/aud/product_viewers.mp shuffle $t/pv1s.mp && ! cmp -s $t/pv1h.mp $Q/aud/product_viewers.mp && $DF -q $t/d0/product_viewers.mp $Q/aud/product_viewers.mp >$t/pv.ref && ids $t/pv.ref >$t/pv.ids && for p in '$t/pv0s.mp $Q/aud/product_viewers.mp' '$t/d0/product_viewers.mp $t/pv1h.mp' '$t/pv0s.mp $t/pv1s.mp'; do diff_ok \$p && ids $t/dd.mp | cmp - $t/pv.ids || exit 1; done"
check "diff: a member twice in an old list in person order is 65" \
    "$DU $t/d0/product_viewers.mp | awk 'NR == 3 { print } { print }' | jq -c 'if .type == \"audience\" then .count += 1 else . end' | $DU --pack >$t/twice.mp && $DF -q $t/twice.mp $Q/aud/product_viewers.mp >/dev/null 2>$t/twice.err; [ \$? -eq 65 ] && grep -q 'is twice in list' $t/twice.err"
check "diff: several lists in one stream, matched by name" \
    "cat $t/d0/*.mp >$t/d0.all && cat $Q/aud/*.mp >$t/d1.all && diff_ok $t/d0.all $t/d1.all && [ \$($DU $t/dd.mp | jq -s '[.[] | select(.type == \"diff\")] | length') -eq 8 ]"
check "diff: directories of lists: each file's diff, the same as one by one" \
    "$DF -q -o $t/ddir $t/d0 $Q/aud && [ \$(ls $t/ddir | wc -l) -eq 8 ] && for f in $Q/aud/*.mp; do n=\${f##*/}; $DF -q $t/d0/\$n \$f | cmp - $t/ddir/\$n || exit 1; done"
check "diff: a list against itself changes nothing; against nothing adds everyone" \
    "$DF -q $Q/aud/cart_abandoners.mp $Q/aud/cart_abandoners.mp | $DU | jq -se 'length == 1 and .[0].count == 0' >/dev/null && $DF -q /dev/null $Q/aud/cart_abandoners.mp | $DU | jq -se '.[0].added == .[0].size and .[0].size > 0 and (.[0] | has(\"previous_generated_at\") | not)' >/dev/null"
check "diff: a removed member keeps its record, with op remove" \
    "$DF -q $t/d0/product_viewers.mp $Q/aud/product_viewers.mp | $DU | jq -se '[.[] | select(.op == \"remove\")] | length > 0 and all(.skus != null and .vids != null)' >/dev/null"
check "diff: removes are read again from the old file; an old list from a pipe gives the same bytes" \
    "$DF -q $t/d0.all $t/d1.all >$t/df.mp && cat $t/d0.all | $DF -q - $t/d1.all | cmp - $t/df.mp && $DU $t/df.mp | jq -se '[.[] | select(.op == \"remove\")] | length > 0' >/dev/null"
# A list cut short: its header says more members than follow.
$DU "$Q/aud/cart_abandoners.mp" | head -n 20 | $DU -p >"$t/cut.mp"
check "diff: a list cut short is 65, names it, and writes no output" \
    "$DF $t/d0/cart_abandoners.mp $t/cut.mp -o $t/cut.diff 2>$t/cut.err; [ \$? -eq 65 ] && grep -q 'cut short: 19 of' $t/cut.err && [ ! -e $t/cut.diff ]"
check "diff: a missing input is 66" \
    "$DF /nonexistent $Q/aud/cart_abandoners.mp >/dev/null 2>&1; [ \$? -eq 66 ]"

# A CRM file for every uid of the state: an email and a phone each, and
# the issue's three test vectors for one of them.
$ST --dump "$Q/state" | jq -r 'select(.type == "person" and (.person | startswith("u"))) | .person' >"$t/uids"
vec=$(ids "$Q/aud/repeat_buyers.mp" | awk -F'\t' '$2 == "uid" { print $3; exit }')
{ echo "uid,email,phone"
  awk -v vec="$vec" '$1 != vec { printf "%s,First.Last+%s@GoogleMail.com,+1 (555) %07d\n", $1, $1, NR }' "$t/uids"
  printf '%s,test@abc.com,\n%s,Jane.Doe+Shopping@googlemail.com,+1 (800) 555-0101\n' "$vec" "$vec"
} >"$t/crm.csv"
$EX -q -o "$t/ex" --crm "$t/crm.csv" $Q/aud/*.mp
check "export: the issue's test vectors reach the Google payload, and the Meta email" \
    "grep -h '\"emailAddress\": \"d3142c8f9c9129484daf28df80cc5c955791efed5e69afabb603bc8cb9ffd419\"' $t/ex/repeat_buyers.google-dm.full.*.json >/dev/null && grep -q 338abf9ef1c8793cadc7bcf51ed595338eb727ed9e06ce3d91d566d60b975937 $t/ex/repeat_buyers.google-dm.full.0001.json && grep -q 61d6c2976b5d92b1ad63073a12fddd26040cd980067d03a93dd1cc50f1a3ac68 $t/ex/repeat_buyers.google-csv.full.0001.csv && grep -q '\"$vec\", \"d3142c8f9c9129484daf28df80cc5c955791efed5e69afabb603bc8cb9ffd419\", \"\"' $t/ex/repeat_buyers.meta.full.0001.json"
check "export: no raw email or phone in any file" \
    "! grep -rl -F -i -e '@' -e 'googlemail' -e '(555)' -e '(800)' $t/ex"
check "export: every JSON payload parses; Google has one member per uid with contacts" \
    "for f in $t/ex/*.json; do jq -e . \$f >/dev/null || exit 1; done && n=\$(cat $t/ex/repeat_buyers.google-dm.full.*.json | jq -s '[.[].audienceMembers[]] | length') && [ \$n -eq \$(ids $Q/aud/repeat_buyers.mp | grep -c '	uid	') ]"
check "export: the generic CSV has every member, vids too" \
    "[ \$(tail -n +2 $t/ex/cart_abandoners.csv.full.0001.csv | wc -l) -eq \$(ids $Q/aud/cart_abandoners.mp | wc -l) ] && head -1 $t/ex/cart_abandoners.csv.full.0001.csv | grep -q '^id,id_type,op,last_seen,expires_at,email_sha256,phone_sha256,skus,orders,revenue$'"
check "export: --batch cuts files at N entries; a shorter rerun removes the old extra files" \
    "$EX -q -o $t/eb -f google-dm,meta,csv --batch 50 --crm $t/crm.csv $Q/aud/product_viewers.mp && for f in $t/eb/*.json; do [ \$(jq '(.audienceMembers // .data) | length' \$f) -le 50 ] || exit 1; done && [ \$(ls $t/eb | grep -c 'csv\\.full') -gt 2 ] && [ \$(cat $t/eb/*.csv.full.* | grep -vc '^id,') -eq \$(ids $Q/aud/product_viewers.mp | wc -l) ] && $EX -q -o $t/eb -f csv $Q/aud/product_viewers.mp && ls $t/eb | grep 'csv\\.full' | grep -qx 'product_viewers.csv.full.0001.csv' && [ \$(ls $t/eb | grep -c 'csv\\.full') -eq 1 ]"
check "export: one format into a directory leaves the other formats' files" \
    "cp -r $t/ex $t/ex1 && $EX -q -o $t/ex1 -f csv $Q/aud/cart_abandoners.mp && ls $t/ex1 | grep -q 'cart_abandoners.google-dm.full.0001.json' && ls $t/ex1 | grep -q 'cart_abandoners.meta.full.0001.json'"
check "export: a diff gives add and remove files; --google-account and --list-id name the destination" \
    "$DF -q $t/d0/product_viewers.mp $Q/aud/product_viewers.mp | $EX -q -o $t/ed --crm $t/crm.csv --google-account GOOGLE_ADS:1234567890 --list-id product_viewers=555 && ls $t/ed | grep -q 'product_viewers.google-dm.add.0001.json' && ls $t/ed | grep -q 'product_viewers.meta.remove.0001.json' && jq -e '.destinations[0].operatingAccount.accountId == \"1234567890\" and .destinations[0].productDestinationId == \"555\" and .encoding == \"HEX\"' $t/ed/product_viewers.google-dm.add.0001.json >/dev/null"
check "export: --opt-out keeps a person out of full lists and adds" \
    "o=\$(ids $Q/aud/cart_abandoners.mp | awk -F'\t' '\$2 == \"uid\" {print \$3; exit}') && echo \$o >$t/eo.txt && $EX -q -o $t/eo -f csv,meta --opt-out $t/eo.txt $Q/aud/cart_abandoners.mp && ! grep -q \"\$o\" $t/eo/* && grep -q \"\$o\" $t/ex/cart_abandoners.csv.full.0001.csv"
check "export: a list cut short is 65 and leaves no file of it" \
    "$EX -o $t/ec $t/cut.mp 2>/dev/null; [ \$? -eq 65 ] && [ -z \"\$(ls $t/ec)\" ]"
check "export: a bad CRM line is named with its line and skipped" \
    "printf 'uid,email,phone\n,x@example.com,\nu1,\"open,\n' >$t/badcrm.csv && $EX -o $t/eq --crm $t/badcrm.csv $Q/aud/cart_abandoners.mp 2>$t/bc.err && grep -q 'badcrm.csv:2: no uid' $t/bc.err && grep -q 'badcrm.csv:3: a quote that does not close' $t/bc.err"
