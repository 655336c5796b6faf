/*
 * render.c - revisit-report's page: tonight's summary and the earlier
 * nights' added up over the period, the customers of the state, the
 * audience sizes night by night.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "timeparse.h"

int
report_run(const struct report_opts *o)
{
	struct summary night, period;
	struct customers cust;
	struct history hist;
	struct report_in in;
	char day[32];
	size_t i;
	int r, status;

	memset(&night, 0, sizeof night);
	memset(&period, 0, sizeof period);
	if ((status = customers_from_state(&cust, o->state, o->nights)) != 0)
		return status;
	if (o->day != NULL) {
		snprintf(day, sizeof day, "%s", o->day);
	} else {
		time_format_iso(cust.now > 0 ? cust.now - 1 : 0, day);
		day[10] = '\0';
	}
	history_load(&hist, o->history, day, o->nights, o->audiences);
	/* The period: the earlier nights' summaries, then tonight's. */
	for (i = 0; o->history != NULL && i + 1 < hist.ndays; i++) {
		char *p = xasprintf("%s/%s/night.mp", o->history, hist.days[i]);

		r = summary_load(&period, p);
		if (r > 1)
			warnx("%s: left out of the period", p);
		free(p);
	}
	if (o->night != NULL) {
		if ((r = summary_load(&night, o->night)) != 0 ||
		    (r = summary_load(&period, o->night)) != 0) {
			if (r == 1)
				warnx("%s: no summary record", o->night);
			status = r == 1 ? EX_DATAERR : r;
		}
	}
	if (status == 0) {
		in.day = day;
		in.night = &night;
		in.period = &period;
		in.cust = &cust;
		in.hist = &hist;
		status = report_html(&in, o->out);
	}
	if (status == 0 && !o->quiet)
		fprintf(stderr, "%s: %s: %u nights, %llu sessions, %llu "
		    "customers in %d days, %zu audiences\n", prog_name, day,
		    period.nights, (unsigned long long)period.sessions,
		    (unsigned long long)cust.customers, o->nights, hist.naud);
	summary_free(&night);
	summary_free(&period);
	history_free(&hist);
	return status;
}
