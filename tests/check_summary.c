/* check_summary.c -- the end-of-run summary: counts, top names, bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tlsdiag/summary.h"

static struct flow fl;
static struct tls_facts fa;

/* A failed connection from client 10.0.0.C to server name `sni` (or no
 * SNI), labelled `cause`. */
static void
add(struct summary *s, const char *sni, int client, enum infer_cause_id id,
    const char *fix)
{
	struct conn_result r;
	struct infer_cause c;

	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	fl.af = 4;
	memcpy(fl.addr[FLOW_C2S], "\x0a\x00\x00", 3);
	fl.addr[FLOW_C2S][3] = (uint8_t)client;
	memcpy(fl.addr[FLOW_S2C], "\xc0\x00\x02\x01", 4);
	fl.port[FLOW_S2C] = 443;
	fa.ch_seen = true;
	fa.ch.sni_present = sni != NULL;
	if (sni != NULL) {
		fa.ch.sni_len = (uint8_t)strlen(sni);
		memcpy(fa.ch.sni, sni, fa.ch.sni_len);
	}
	r.flow = &fl;
	r.facts = &fa;
	r.result = id == INFER_NONE ? CONN_ESTABLISHED : CONN_FAILED;
	c.cause = id;
	c.id = infer_cause_label(id);
	c.fix_side = fix;
	summary_add(s, &r, &c);
}

static char *
render(const struct summary *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	summary_print(s, m, "");
	fclose(m);
	return buf;
}

START_TEST(test_counts_and_top)
{
	static struct summary s;
	char *out;
	int i;

	summary_init(&s);
	for (i = 0; i < 5; i++)
		add(&s, "expired.example", 1 + i % 2, INFER_CERT_EXPIRED,
		    "server");
	add(&s, "old.example", 3, INFER_CERT_EXPIRED, "server");
	add(&s, NULL, 4, INFER_PROTOCOL_MISMATCH, "client");
	add(&s, "ok.example", 5, INFER_NONE, "none");
	out = render(&s);
	ck_assert_msg(strstr(out, "8 TLS connections: 1 established, 7 failed,")
	    != NULL, "%s", out);
	ck_assert_msg(strstr(out, "  cert_expired: 6 (fix: server)\n"
	    "    servers: expired.example (5), old.example (1)\n"
	    "    clients: 10.0.0.1 (3), 10.0.0.2 (2), 10.0.0.3 (1)\n") != NULL,
	    "%s", out);
	/* Without SNI the server is named by its address. */
	ck_assert_msg(strstr(out, "  protocol_mismatch: 1 (fix: client)\n"
	    "    servers: 192.0.2.1:443 (1)\n") != NULL, "%s", out);
	free(out);
}
END_TEST

/* A thousand distinct servers: the memory is fixed, the one that keeps
 * failing stays on top, and replaced counts are marked approximate. */
START_TEST(test_bounded)
{
	static struct summary s;
	char name[32], *out;
	int i;

	summary_init(&s);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "host%d.example", i);
		add(&s, name, 9, INFER_SNI, "server");
		add(&s, "hot.example", 9, INFER_SNI, "server");
	}
	out = render(&s);
	ck_assert_msg(strstr(out, "servers: hot.example (1000), ") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "(~") != NULL, "%s", out);
	free(out);
}
END_TEST

/* Hostile server names are escaped. */
START_TEST(test_escaped)
{
	static struct summary s;
	char *out;

	summary_init(&s);
	add(&s, "evil\n\x1b[31m.example", 1, INFER_SNI, "server");
	out = render(&s);
	ck_assert_msg(strstr(out, "evil\\x0a\\x1b[31m.example (1)") != NULL,
	    "%s", out);
	free(out);
}
END_TEST

static Suite *
summary_suite(void)
{
	Suite *s = suite_create("summary");
	TCase *tc = tcase_create("summary");

	tcase_add_test(tc, test_counts_and_top);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_escaped);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(summary_suite)
