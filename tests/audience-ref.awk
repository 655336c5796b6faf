# audience-ref.awk: what the generator's record implies for the default
# audiences (DESIGN.md, Audiences), computed from its truth files alone,
# to check revisit-audience against. Run with -v now=MS (the end of the
# period) on devices.tsv sessions.tsv pages.tsv carts.tsv purchases.tsv,
# in that order. Prints "audience<TAB>person<TAB>extra", extra being the
# skus (latest first, a tie by sku descending, at most 10) or "orders
# revenue-in-cents". With -v optout=FILE, persons with their key or one
# of their vids in FILE (one per line, # comments) are left out of every
# audience, and out of high_value's ranking.
BEGIN { FS = OFS = "\t"; D = 86400000
	if (optout != "")
		while ((getline l < optout) > 0)
			if (l !~ /^#/ && l != "") O[l] = 1
}
FNR == 1 { f++; next }
f == 1 { P[$1] = $2; if ($1 in O) O[$2] = 1; next }	# vid -> person
f == 2 { p = P[$1]; n = ++ns[p]; S[p, n] = $2		# sessions
	if ($2 > ls[p]) ls[p] = $2; next }
f == 3 { p = P[$1]; t = $2; path = $3; sub(/\?.*/, "", path)
	if (path ~ /^\/product\/[^\/]+$/) {		# view_item
		sku = substr(path, 10)
		if (!((p, sku) in V) || t > V[p, sku]) V[p, sku] = t
		if (t > lv[p]) lv[p] = t
		if (!((p, sku) in vseen)) { vseen[p, sku] = 1; vs[p] = vs[p] SUBSEP sku }
	}
	if (path ~ /^\/checkout/ && t > lco[p]) lco[p] = t
	next }
f == 4 { p = P[$1]; t = $2; sku = $3			# add_to_cart
	if (!((p, sku) in C) || t > C[p, sku]) C[p, sku] = t
	if (t > lc[p]) lc[p] = t
	if (!((p, sku) in cseen)) { cseen[p, sku] = 1; cs[p] = cs[p] SUBSEP sku }
	next }
f == 5 { p = P[$2]; n = ++nb[p]; B[p, n] = $3; BV[p, n] = $4; persons[p] = 1; next }

function within(t, d) { return t != "" && t >= now - d && t <= now }
function bought_after(p, t,   i) {
	for (i = 1; i <= nb[p]; i++) if (B[p, i] > t && B[p, i] <= now) return 1
	return 0
}
function bought_within(p, d,   i) {
	for (i = 1; i <= nb[p]; i++) if (within(B[p, i], d)) return 1
	return 0
}
# The skus of list (SUBSEP-separated) with times in T, latest first.
function top10(p, list, T,   a, n, i, j, k, out, x, y) {
	n = split(substr(list, 2), a, SUBSEP)
	for (i = 2; i <= n; i++) {		# insertion sort
		x = a[i]
		for (j = i - 1; j >= 1; j--) {
			y = a[j]
			if (T[p, y] > T[p, x] || (T[p, y] == T[p, x] && y > x)) break
			a[j + 1] = y
		}
		a[j + 1] = x
	}
	out = ""
	for (k = 1; k <= n && k <= 10; k++) out = out (k > 1 ? "," : "") a[k]
	return out
}
END {
	for (k in P) people[P[k]] = 1
	for (p in people) {
		if (p in O) continue
		burn = bought_within(p, 7 * D)
		if (within(lc[p], 7 * D) && !bought_after(p, lc[p]) && !burn)
			print "cart_abandoners", p, top10(p, cs[p], C)
		if (within(lco[p], 7 * D) && !bought_after(p, lco[p]) && !burn)
			print "checkout_abandoners", p, ""
		if (within(lv[p], 14 * D) && !bought_after(p, lv[p]) && !burn)
			print "product_viewers", p, top10(p, vs[p], V)
		n30 = 0
		for (i = 1; i <= ns[p]; i++) n30 += within(S[p, i], 30 * D)
		if (n30 >= 3 && nb[p] == 0 && !burn)
			print "engaged_non_buyers", p, ""
		first = ""; n365 = 0; r365 = 0
		for (i = 1; i <= nb[p]; i++) {
			if (first == "" || B[p, i] < first) first = B[p, i]
			if (within(B[p, i], 365 * D)) { n365++; r365 += BV[p, i] }
		}
		if (within(first, 30 * D))
			print "first_time_buyers", p, ""
		if (n365 >= 2)
			print "repeat_buyers", p, ""
		if (n365 >= 1 && !within(ls[p], 60 * D))
			print "lapsed_customers", p, ""
		if (r365 > 0) { nr++; R[nr] = r365; RP[nr] = p; RN[nr] = n365 }
	}
	# high_value: the top ceil(n / 10) by revenue, ties with the k-th in.
	for (i = 2; i <= nr; i++) {
		x = R[i]; xp = RP[i]; xn = RN[i]
		for (j = i - 1; j >= 1 && R[j] < x; j--) { R[j + 1] = R[j]; RP[j + 1] = RP[j]; RN[j + 1] = RN[j] }
		R[j + 1] = x; RP[j + 1] = xp; RN[j + 1] = xn
	}
	k = int(nr / 10); if (k * 10 < nr) k++
	for (i = 1; i <= nr; i++)
		if (R[i] >= R[k])
			printf "high_value\t%s\t%d %d\n", RP[i], RN[i], R[i] * 100 + 0.5
}
