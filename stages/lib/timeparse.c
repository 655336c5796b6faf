/*
 * timeparse.c - timestamps of access logs to UTC milliseconds.
 *
 * Hand-written: strptime is locale-dependent, slow, and does not apply
 * the UTC offset; the formats here are fixed-width or nearly so.
 */
#include "timeparse.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil, valid for all int64 years we see. */
int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int
digits(const char *s, int n, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

static unsigned
month_of(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(names + 3 * i, s, 3) == 0)
			return (unsigned)i + 1;
	return 0;
}

static int
days_in_month(int y, unsigned m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* "+hhmm" or "+hh:mm" (colon optional) to seconds east of UTC. */
static int
zone_offset(const char *s, size_t n, int *secs)
{
	int hh, mm;

	if (n < 3 || (s[0] != '+' && s[0] != '-'))
		return -1;
	if (digits(s + 1, 2, &hh) != 0)
		return -1;
	if (n == 3)
		mm = 0;
	else if (n == 5 && digits(s + 3, 2, &mm) == 0)
		;
	else if (n == 6 && s[3] == ':' && digits(s + 4, 2, &mm) == 0)
		;
	else
		return -1;
	if (hh > 23 || mm > 59)
		return -1;
	*secs = (hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int
time_parse_clf(const char *s, size_t n, struct clf_cache *c, int64_t *ms)
{
	int d, y, hh, mi, ss, off;
	unsigned m;

	/* dd/Mon/yyyy:HH:MM:SS +zzzz */
	if (n != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' ||
	    s[14] != ':' || s[17] != ':' || s[20] != ' ')
		return -1;
	if (digits(s + 18, 2, &ss) != 0 || ss > 60)
		return -1;
	if (c->valid && memcmp(c->key, s, 17) == 0 &&
	    memcmp(c->zone, s + 21, 5) == 0) {
		*ms = c->base + (int64_t)ss * 1000;
		return 0;
	}
	if (digits(s, 2, &d) != 0 || (m = month_of(s + 3)) == 0 ||
	    digits(s + 7, 4, &y) != 0 || digits(s + 12, 2, &hh) != 0 ||
	    digits(s + 15, 2, &mi) != 0 || zone_offset(s + 21, 5, &off) != 0)
		return -1;
	if (d < 1 || d > days_in_month(y, m) || hh > 23 || mi > 59)
		return -1;
	c->base = ((days_from_civil(y, m, (unsigned)d) * 86400 + hh * 3600 +
	    mi * 60) - off) * 1000;
	memcpy(c->key, s, 17);
	memcpy(c->zone, s + 21, 5);
	c->valid = 1;
	*ms = c->base + (int64_t)ss * 1000;
	return 0;
}

/* Optional ".fff..." fraction at s: adds milliseconds, advances *i. */
static int
fraction(const char *s, size_t n, size_t *i, int64_t *msec)
{
	int64_t v = 0;
	int k = 0;

	if (*i >= n || (s[*i] != '.' && s[*i] != ','))
		return 0;
	(*i)++;
	if (*i >= n || s[*i] < '0' || s[*i] > '9')
		return -1;
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		if (k < 3) {
			v = v * 10 + (s[*i] - '0');
			k++;
		}
		(*i)++;
	}
	while (k++ < 3)
		v *= 10;
	*msec = v;
	return 0;
}

int
time_parse_iso8601(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, hh, mi, ss = 0, off = 0;
	int64_t frac = 0;
	size_t i = 16;

	/* yyyy-mm-ddTHH:MM[:SS[.fff]][Z|+hh[:mm]] */
	if (n < 16 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':')
		return -1;
	if (digits(s, 4, &y) != 0 || digits(s + 5, 2, &mo) != 0 ||
	    digits(s + 8, 2, &d) != 0 || digits(s + 11, 2, &hh) != 0 ||
	    digits(s + 14, 2, &mi) != 0)
		return -1;
	if (i < n && s[i] == ':') {
		if (n < 19 || digits(s + 17, 2, &ss) != 0)
			return -1;
		i = 19;
		if (fraction(s, n, &i, &frac) != 0)
			return -1;
	}
	if (i < n) {
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
			;
		else if (zone_offset(s + i, n - i, &off) != 0)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) ||
	    hh > 23 || mi > 59 || ss > 60)
		return -1;
	*ms = ((days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    hh * 3600 + mi * 60 + ss) - off) * 1000 + frac;
	return 0;
}

int
time_parse_epoch(const char *s, size_t n, int unit, int64_t *ms)
{
	int64_t v = 0, frac = 0;
	size_t i = 0;

	if (n == 0 || n > 19)
		return -1;
	/* At most 18 digits: 19 may not fit an int64 (a 19th makes the
	 * text end early below, so it is refused). */
	while (i < n && i < 18 && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (s[i++] - '0');
	if (i == 0)
		return -1;
	if (unit == 1) {
		if (fraction(s, n, &i, &frac) != 0 || v >= INT64_MAX / 1000)
			return -1;
		v = v * 1000 + frac;
	} else if (unit == 1000000) {
		v /= 1000;
	}
	if (i != n)
		return -1;
	*ms = v;
	return 0;
}

int
time_parse_w3c(const char *date, size_t dn, const char *time, size_t tn,
    int64_t *ms)
{
	int y, mo, d, hh, mi, ss;
	int64_t frac = 0;
	size_t i = 8;

	if (dn != 10 || date[4] != '-' || date[7] != '-' || tn < 8 ||
	    time[2] != ':' || time[5] != ':')
		return -1;
	if (digits(date, 4, &y) != 0 || digits(date + 5, 2, &mo) != 0 ||
	    digits(date + 8, 2, &d) != 0 || digits(time, 2, &hh) != 0 ||
	    digits(time + 3, 2, &mi) != 0 || digits(time + 6, 2, &ss) != 0)
		return -1;
	if (fraction(time, tn, &i, &frac) != 0 || i != tn)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo) ||
	    hh > 23 || mi > 59 || ss > 60)
		return -1;
	*ms = (days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    hh * 3600 + mi * 60 + ss) * 1000 + frac;
	return 0;
}

static void
put_digits(char *p, unsigned v, int n)
{
	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
time_format_iso(int64_t ms, char *buf)
{
	int64_t days = (ms >= 0 ? ms : ms - 86399999) / 86400000;
	int64_t rem = ms - days * 86400000;
	unsigned m, d;
	int y;

	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(buf, 32, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m,
		    d, (unsigned)(rem / 3600000) % 24,
		    (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60),
		    (unsigned)(rem % 1000));
		return;
	}
	/* By hand: exports write two per member, and snprintf is most of
	 * their time. */
	put_digits(buf, (unsigned)y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, (unsigned)(rem / 3600000) % 24, 2);
	buf[13] = ':';
	put_digits(buf + 14, (unsigned)(rem / 60000 % 60), 2);
	buf[16] = ':';
	put_digits(buf + 17, (unsigned)(rem / 1000 % 60), 2);
	buf[19] = '.';
	put_digits(buf + 20, (unsigned)(rem % 1000), 3);
	buf[23] = 'Z';
	buf[24] = '\0';
}

int
time_parse_when(const char *s, int64_t *ms)
{
	size_t n = strlen(s), i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (n > 0 && i == n)
		return time_parse_epoch(s, n, 1000, ms);
	return time_parse_iso8601(s, n, ms);
}
