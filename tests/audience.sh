# audience.sh: end-to-end tests of revisit-audience, sourced by stages.sh
# (its check, $t, $bin).
AU=$bin/revisit-audience
# Ninety days, so that some customers lapse (no visit in 60 days).
Q=$t/quarter
"$bin/revisit-gen-logs" -o "$Q" --days 90 --lines 90000 2>/dev/null
cat "$Q"/logs/*.log | $P -q 2>/dev/null | $SZ -q | $FN -q |
    $AT -q | $ST -q --update "$Q/state" >/dev/null
qnow=$($ST --dump "$Q/state" | head -1 | jq .now)
members() {	# audience lists on stdin -> "audience id extra" lines
	$DU | jq -r 'select(.type == "member") | [.audience, .id,
	    (if .skus then (.skus | join(",")) elif .orders then
	    "\(.orders) \(.revenue * 100 | round)" else "" end)] | @tsv' | sort
}
awk -v now="$qnow" -f "$top/tests/audience-ref.awk" "$Q/truth/devices.tsv" \
    "$Q/truth/sessions.tsv" "$Q/truth/pages.tsv" "$Q/truth/carts.tsv" \
    "$Q/truth/purchases.tsv" | sort >"$Q/want"

$AU -q --state "$Q/state" --min-size 0 -o "$Q/aud"
for a in cart_abandoners checkout_abandoners product_viewers engaged_non_buyers first_time_buyers repeat_buyers lapsed_customers high_value; do
	check "audience: $a = what the generator's record implies" \
	    "members <$Q/aud/$a.mp >$t/a.got && grep '^$a	' $Q/want >$t/a.want && [ -s $t/a.want ] && cmp $t/a.want $t/a.got"
done
check "audience: a header per list: count, membership, the rule, expiry = now + membership" \
    "$DU $Q/aud/cart_abandoners.mp | jq -se '.[0] as \$h | \$h.type == \"audience\" and \$h.count == (length - 1) and \$h.membership_days == 30 and (\$h.definition | test(\"add_to_cart within 7d\")) and all(.[1:][]; .expires_at == $qnow + 30 * 86400000 and .id_type != null and (.vids | length) > 0)' >/dev/null"
check "audience: without -o, all lists one after another on stdout" \
    "$AU -q --state $Q/state --min-size 0 | members | cmp - \$(cat $Q/aud/*.mp | members >$t/all; echo $t/all)"
check "audience: lists written as they come (-o) equal those held for stdout, headers too, a too-small one's included; each count is its members'" \
    "$AU -q --state $Q/state -o $t/asis && $AU -q --state $Q/state >$t/asis.mp && for f in $t/asis/*.mp; do a=\$(basename \$f .mp); $DU \$f | jq -c . >$t/one.json && jq -se '.[0].count == (length - 1)' $t/one.json >/dev/null && $DU $t/asis.mp | jq -c --arg a \$a 'select(.name == \$a or .audience == \$a)' | cmp - $t/one.json || exit 1; done && $DU $t/asis/lapsed_customers.mp | head -1 | jq -e '.too_small' >/dev/null"
check "audience: every list too small (--min-size over all): written again with the mark, members and all, as stdout has them" \
    "$AU -q --state $Q/state --min-size 100000000 -o $t/tiny && $AU -q --state $Q/state --min-size 100000000 >$t/tiny.mp && cat $t/tiny/*.mp | $DU | jq -c . | sort >$t/tiny.a && $DU $t/tiny.mp | jq -c . | sort | cmp - $t/tiny.a && [ \$(grep -c '\"too_small\":true' $t/tiny.a) -eq 8 ] && [ \$(wc -l <$t/tiny.a) -gt 100 ]"
check "audience: --min-size warns and marks a small list too_small" \
    "$AU --state $Q/state -o $t/small 2>$t/small.err; grep -q 'lapsed_customers: [0-9]* members, fewer than --min-size 100' $t/small.err && $DU $t/small/lapsed_customers.mp | head -1 | jq -e '.too_small' >/dev/null && $DU $t/small/product_viewers.mp | head -1 | jq -e '.too_small == null' >/dev/null"
# Opt-out: a uid, and a vid of another buyer who logged in (its uid
# person then leaves every list, and the high_value ranking).
$ST --dump "$Q/state" | jq -r 'select(.type == "person") | .person' >"$t/qp"
ou=$(grep '^u' "$t/qp" | head -1)
ov=$(awk -F'\t' -v ou="$ou" 'FNR == 1 { f++; next }
    f == 1 && $2 ~ /^u/ && $2 != ou { P[$1] = $2 }
    f == 2 && ($2 in P) { v = $2 } END { print v }' "$Q/truth/devices.tsv" \
    "$Q/truth/purchases.tsv")
ovp=$(awk -F'\t' -v v="$ov" '$1 == v { print $2 }' "$Q/truth/devices.tsv")
printf '# opted out\n%s\n\n%s\n' "$ou" "$ov" >"$t/optout.txt"
awk -v now="$qnow" -v optout="$t/optout.txt" -f "$top/tests/audience-ref.awk" \
    "$Q/truth/devices.tsv" "$Q/truth/sessions.tsv" "$Q/truth/pages.tsv" \
    "$Q/truth/carts.tsv" "$Q/truth/purchases.tsv" | sort >"$t/oo.want"
check "audience: opted-out persons (by uid, or by a vid of theirs) are in no list, nor in the high_value ranking" \
    "[ -n \"$ovp\" ] && $AU -q --state $Q/state --min-size 0 --opt-out $t/optout.txt | members >$t/oo.got && ! grep -q -e \"	$ou	\" -e \"	$ovp	\" $t/oo.got && cmp $t/oo.want $t/oo.got"
check "audience: --now moves the windows" \
    "$AU -q --state $Q/state --min-size 0 --now \$(($qnow + 8 * 86400000)) | members | grep -c '^cart_abandoners' | grep -qx 0"
printf 'audience paid_social_visitors\n\tmembership 30d\n\tinclude channel "Paid Social" within 30d\n\texclude purchase ever\naudience big_spenders\n\tmembership 60d\n\tinclude revenue within 365d >= 300\n\temit revenue within 365d\naudience sku_1\n\tmembership 7d\n\tinclude sku "SKU-1*" viewed within 30d\n' >"$t/custom.conf"
check "audience: custom definitions: channel, revenue and sku conditions" \
    "$AU -q --state $Q/state --min-size 0 -r $t/custom.conf -o $t/custom && $DU $t/custom/big_spenders.mp | jq -se '.[0].count > 0 and all(.[1:][]; .revenue >= 300)' >/dev/null && $DU $t/custom/paid_social_visitors.mp | jq -se '.[0].count > 0' >/dev/null && $DU $t/custom/sku_1.mp | jq -se '.[0].count > 0' >/dev/null"
printf 'audience top_recent\n\tmembership 30d\n\tinclude purchase within 90d\n\tinclude revenue within 365d top 20%%\n\temit revenue within 365d\naudience modest\n\tmembership 30d\n\tinclude purchase ever\n\texclude revenue within 365d top 30%%\n\texclude session within 3d\n' >"$t/tops.conf"
check "audience: top N% included and excluded beside other conditions: one pass = thresholds ranked first (--ranks)" \
    "$AU -q --state $Q/state --min-size 0 -r $t/tops.conf -o $t/tops1 && $AU -q --state $Q/state -r $t/tops.conf --ranks-out $t/tops.ranks && $AU -q --state $Q/state --min-size 0 -r $t/tops.conf --ranks $t/tops.ranks -o $t/tops2 && cmp $t/tops1/top_recent.mp $t/tops2/top_recent.mp && cmp $t/tops1/modest.mp $t/tops2/modest.mp && $DU $t/tops1/top_recent.mp | jq -se '.[0].count > 0' >/dev/null && $DU $t/tops1/modest.mp | jq -se '.[0].count > 0' >/dev/null"
printf 'audience x\n\tmembership 600d\n\tinclude purchase ever\n' >"$t/bad1.conf"
printf 'audience x\n\tmembership 30d\n\tinclude purchase sometimes\n' >"$t/bad2.conf"
check "audience: a bad definition is 64 and names the line" \
    "$AU --state $Q/state -r $t/bad1.conf 2>$t/b1 >/dev/null; a=\$?; $AU --state $Q/state -r $t/bad2.conf 2>$t/b2 >/dev/null; b=\$?; [ \$a -eq 64 ] && [ \$b -eq 64 ] && grep -q 'bad1.conf:2: membership is at most 540d' $t/b1 && grep -q 'bad2.conf:3: not a condition' $t/b2"
check "audience: --print-rules prints the shipped definitions" \
    "$AU --print-rules | grep -q '^audience high_value'"
check "audience: a damaged state is 65" \
    "$AU --state $t/flip -o $t/dmg >/dev/null 2>&1; [ \$? -eq 65 ]"
# A consent field in the logs: a refusal opts the visitor's person out.
cfmt='$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$cookie_vid" "$cookie_uid" "$cookie_adc"'
ua='Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
{
	for v in va vb vc; do
		c=granted; [ $v = vb ] && c=denied; [ $v = vc ] && c=-
		printf '192.0.2.1 - - [03/Jun/2024:10:00:00 +0000] "GET /product/SKU-1 HTTP/1.1" 200 10 "-" "%s" "%s" "-" "%s"\n' "$ua" $v granted
		printf '192.0.2.1 - - [03/Jun/2024:10:01:00 +0000] "GET /cart/add?sku=SKU-1 HTTP/1.1" 200 10 "-" "%s" "%s" "-" "%s"\n' "$ua" $v $c
	done
} >"$t/consent.log"
$P -q -f "$cfmt" --consent-field cookie_adc "$t/consent.log" | $SZ -q | $FN -q >"$t/consent.mp"
check "parse --consent-field: the session says consent as its latest hit that said it" \
    "$DU $t/consent.mp | jq -r '[.vid, (.consent | tostring)] | @tsv' | sort | tr '\t\n' ' .' | grep -qx 'va true.vb false.vc true.'"
check "audience: a refusal in the logs keeps the person out of every list" \
    "$ST -q --update $t/cst $t/consent.mp >/dev/null && $AU -q --state $t/cst --min-size 0 | members | cut -f1,2 | grep '^cart_abandoners' | cut -f2 | tr '\n' ' ' | grep -qx 'va vc ' && $ST --dump $t/cst | jq -se 'map(select(.person == \"vb\")) | .[0].vids[0].opt_out' >/dev/null"
