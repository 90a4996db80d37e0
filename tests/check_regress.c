/* check_regress.c -- replay of the fuzzing regression corpus, without
 * libFuzzer.
 *
 * Every file under tests/regress/TARGET/ is an input that once made the
 * fuzz target fuzz/fuzz_TARGET.c crash or break a promise.  Each is run
 * through the very same entry point (the target's source is compiled in
 * here, its LLVMFuzzerTestOneInput renamed), so the invariants checked are
 * the fuzzer's own; under `make asan` the sanitizers the fuzzer used catch
 * memory errors too.  Every shipped capture is also run through the pcap
 * target: the whole pipeline must keep its promises on real traffic.
 *
 * Paths are relative to the top of the tree (the tests run from there);
 * TOP overrides it.  A target that aborts fails its test (Check forks).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The targets, each compiled as it is for libFuzzer; their file-scope names
 * carry a per-target prefix so that all five fit in one program. */
#define LLVMFuzzerTestOneInput fuzz_tls_stream_one
#include "../fuzz/fuzz_tls_stream.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_pcap_one
#include "../fuzz/fuzz_pcap.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_decode_one
#include "../fuzz/fuzz_decode.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_x509_one
#include "../fuzz/fuzz_x509.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tlsdec_one
#include "../fuzz/fuzz_tlsdec.c"
#undef LLVMFuzzerTestOneInput

typedef int (*rg_target_fn)(const uint8_t *data, size_t size);

/* Inputs are small (a capture or a handshake); a bigger file is a mistake
 * in the corpus, not something to replay. */
#define RG_FILE_MAX (16u * 1024u * 1024u)
#define RG_FILES_MAX 4096

struct rg_set {
	const char *dir;    /* under the top of the tree */
	const char *suffix; /* only names ending so; "" all but README* */
	rg_target_fn fn;
	char *name[RG_FILES_MAX];
	int n;
	bool truncated;
};

static struct rg_set rg_sets[] = {
    {"tests/regress/tls_stream", "", fuzz_tls_stream_one, {0}, 0, false},
    {"tests/regress/pcap", "", fuzz_pcap_one, {0}, 0, false},
    {"tests/regress/decode", "", fuzz_decode_one, {0}, 0, false},
    {"tests/regress/x509", "", fuzz_x509_one, {0}, 0, false},
    {"tests/regress/tlsdec", "", fuzz_tlsdec_one, {0}, 0, false},
    {"captures", ".pcap", fuzz_pcap_one, {0}, 0, false},
};
#define RG_NSETS (int)(sizeof(rg_sets) / sizeof(rg_sets[0]))

static const char *
rg_top(void)
{
	const char *t = getenv("TOP");

	return t != NULL && *t != '\0' ? t : ".";
}

static int
rg_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
rg_wanted(const struct rg_set *s, const char *name)
{
	size_t n = strlen(name), k = strlen(s->suffix);

	if (name[0] == '.' || strncmp(name, "README", 6) == 0)
		return false;
	return n > k && strcmp(name + n - k, s->suffix) == 0;
}

/* The file names of one set, sorted so that loop indexes are stable. */
static void
rg_scan(struct rg_set *s)
{
	char path[4096];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", rg_top(), s->dir);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!rg_wanted(s, e->d_name))
			continue;
		if (s->n == RG_FILES_MAX) {
			s->truncated = true;
			break;
		}
		if ((s->name[s->n] = strdup(e->d_name)) != NULL)
			s->n++;
	}
	closedir(d);
	qsort(s->name, (size_t)s->n, sizeof(s->name[0]), rg_cmp);
}

/* Read a whole file into an allocation of exactly its size, so that the
 * sanitizers see a read past its end as one. */
static uint8_t *
rg_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long sz;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	ck_assert_msg(sz >= 0 && (unsigned long)sz <= RG_FILE_MAX,
		      "%s: size %ld", path, sz);
	rewind(f);
	buf = malloc(sz > 0 ? (size_t)sz : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(fread(buf, 1, (size_t)sz, f) == (size_t)sz,
		      "%s: short read", path);
	fclose(f);
	*len = (size_t)sz;
	return buf;
}

static void
rg_replay(const struct rg_set *s, int i)
{
	char path[4096];
	uint8_t *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s/%s", rg_top(), s->dir, s->name[i]);
	/* Printed first: if the target aborts, the log names the input. */
	fprintf(stderr, "replay: %s\n", path);
	buf = rg_read(path, &len);
	ck_assert_int_eq(s->fn(buf, len), 0);
	free(buf);
}

START_TEST(test_tls_stream)
{
	rg_replay(&rg_sets[0], _i);
}
END_TEST

START_TEST(test_pcap)
{
	rg_replay(&rg_sets[1], _i);
}
END_TEST

START_TEST(test_decode)
{
	rg_replay(&rg_sets[2], _i);
}
END_TEST

START_TEST(test_x509)
{
	rg_replay(&rg_sets[3], _i);
}
END_TEST

START_TEST(test_tlsdec)
{
	rg_replay(&rg_sets[4], _i);
}
END_TEST

START_TEST(test_captures)
{
	rg_replay(&rg_sets[5], _i);
}
END_TEST

/* The corpus is where the tests say it is, and no set was cut short. */
START_TEST(test_corpus_found)
{
	char path[4096];
	DIR *d;
	int i;

	snprintf(path, sizeof(path), "%s/tests/regress", rg_top());
	d = opendir(path);
	ck_assert_msg(d != NULL, "%s not found (run from the top)", path);
	closedir(d);
	ck_assert_msg(rg_sets[RG_NSETS - 1].n > 0, "no captures/*.pcap found");
	for (i = 0; i < RG_NSETS; i++)
		ck_assert_msg(!rg_sets[i].truncated, "%s: more than %d files",
			      rg_sets[i].dir, RG_FILES_MAX);
}
END_TEST

static Suite *
regress_suite(void)
{
	const TTest *fns[] = {test_tls_stream, test_pcap,   test_decode,
			      test_x509,       test_tlsdec, test_captures};
	static const char *const names[] = {"tls_stream", "pcap",   "decode",
					    "x509",	  "tlsdec", "captures"};
	Suite *s = suite_create("regress");
	TCase *tc;
	int i;

	tc = tcase_create("corpus");
	tcase_add_test(tc, test_corpus_found);
	suite_add_tcase(s, tc);
	for (i = 0; i < RG_NSETS; i++) {
		rg_scan(&rg_sets[i]);
		tc = tcase_create(names[i]);
		/* A capture under ASan and UBSan takes well under a second;
		 * the default 4 s is kept per input. */
		if (rg_sets[i].n > 0)
			tcase_add_loop_test(tc, fns[i], 0, rg_sets[i].n);
		suite_add_tcase(s, tc);
	}
	return s;
}

TEST_MAIN(regress_suite)
