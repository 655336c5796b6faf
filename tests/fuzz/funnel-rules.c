/*
 * funnel-rules: the funnel rules parser (schemas/funnel-rules.md) on
 * arbitrary text; rules that compile are matched against a few requests.
 */
#include "fuzz.h"
#include "rules.h"

static const char *pages[][3] = {
	{ "/product/SKU-1", "", "GET" },
	{ "/cart/add", "sku=A%201&qty=2", "POST" },
	{ "/checkout/shipping", "step=2", "GET" },
	{ "/order/complete", "order_id=O1&value=12.50&currency=EUR", "GET" },
	{ "/", "utm_source=x", "HEAD" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules *r;
	struct capture cap;
	char scratch[256];
	size_t i;

	prog_init("revisit-fuzz");
	if ((r = rules_new((const char *)data, size, "rules")) == NULL)
		return 0;
	for (i = 0; i < sizeof pages / sizeof *pages; i++)
		(void)rules_match(r, pages[i][0], strlen(pages[i][0]),
		    pages[i][1], strlen(pages[i][1]), pages[i][2],
		    strlen(pages[i][2]), scratch, &cap);
	for (i = 0; i < rules_nstages(r); i++)
		(void)rules_stage(r, i);
	rules_free(r);
	return 0;
}
