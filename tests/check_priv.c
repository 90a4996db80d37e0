/* check_priv.c -- tests of priv: after priv_drop() the process cannot be root.
 *
 * Needs root (CI runs as root); without it each test says so and passes.
 * Every test that changes credentials does it in a child process it forks
 * itself, so the test runner keeps root even with CK_FORK=no.  The child
 * reports the first failed check through a pipe; the parent asserts on it.
 * Must never leave the test runner with changed credentials.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "tlsdiag/priv.h"

/* Bit of CAP_SETUID and CAP_SETPCAP in the /proc/self/status masks. */
#define BIT_SETUID (UINT64_C(1) << 7)
#define BIT_SETPCAP (UINT64_C(1) << 8)

static char child_msg[512];

/* In the child: record why it failed and return the message. */
static const char *why(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static const char *
why(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(child_msg, sizeof(child_msg), fmt, ap);
	va_end(ap);
	return child_msg;
}

static bool
need_root(const char *test)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "check_priv: %s skipped: needs root\n", test);
	return false;
}

/* Run fn(arg) in a forked child; it returns NULL when every check passed or
 * the message of the first that failed. */
static void
in_child(const char *(*fn)(const void *), const void *arg)
{
	char buf[sizeof(child_msg) + 1];
	size_t got = 0;
	ssize_t n;
	int p[2], st;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		const char *msg;

		close(p[0]);
		msg = fn(arg);
		if (msg != NULL && write(p[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(msg == NULL ? 0 : 1);
	}
	close(p[1]);
	while (got < sizeof(buf) - 1 &&
	       (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "child died (signal %d)",
		      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	ck_assert_msg(WEXITSTATUS(st) == 0, "%s", buf);
}

/* A capability mask from /proc/self/status ("CapEff:"), read the way an
 * administrator would check it; UINT64_MAX if it cannot be read. */
static uint64_t
status_caps(const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	uint64_t v = UINT64_MAX;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtoull(line + flen + 1, NULL, 16);
			break;
		}
	}
	fclose(f);
	return v;
}

static bool
lookup(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return false;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

/* Everything a dropped process must satisfy, checked independently of
 * priv.c: IDs, groups, no_new_privs, no capability, no way back. */
static const char *
check_dropped(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[64];
	int n, i;

	if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid ||
	    su != uid)
		return why("uids %u/%u/%u, want %u", (unsigned)ru, (unsigned)eu,
			   (unsigned)su, (unsigned)uid);
	if (getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid ||
	    sg != gid)
		return why("gids %u/%u/%u, want %u", (unsigned)rg, (unsigned)eg,
			   (unsigned)sg, (unsigned)gid);
	n = getgroups(64, groups);
	if (n < 0)
		return why("getgroups: %s", strerror(errno));
	for (i = 0; i < n; i++)
		if (groups[i] != gid)
			return why("supplementary group %u kept",
				   (unsigned)groups[i]);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return why("no_new_privs not set");
	if (status_caps("CapEff") != 0)
		return why("CapEff %" PRIx64, status_caps("CapEff"));
	if (status_caps("CapPrm") != 0)
		return why("CapPrm %" PRIx64, status_caps("CapPrm"));
	if (status_caps("CapAmb") != 0)
		return why("CapAmb %" PRIx64, status_caps("CapAmb"));
	errno = 0;
	if (setuid(0) == 0 || errno != EPERM)
		return why("setuid(0) did not fail with EPERM");
	errno = 0;
	if (setgid(0) == 0 || errno != EPERM)
		return why("setgid(0) did not fail with EPERM");
	if (seteuid(0) == 0)
		return why("seteuid(0) succeeded");
	if (priv_is_root())
		return why("priv_is_root() still true");
	return NULL;
}

static const char *
drop_and_check(const char *user, uid_t uid, gid_t gid)
{
	char err[PRIV_ERR_SIZE] = "untouched";

	if (priv_drop(user, err, sizeof(err)) != 0)
		return why("priv_drop(%s): %s", user, err);
	if (err[0] != '\0')
		return why("message on success: %s", err);
	return check_dropped(uid, gid);
}

static const char *
child_nobody(const void *arg)
{
	uint64_t bnd_before = status_caps("CapBnd");
	uid_t uid;
	gid_t gid;
	const char *msg;

	(void)arg;
	if (!priv_is_root())
		return why("priv_is_root() false as root");
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	msg = drop_and_check("nobody", uid, gid);
	if (msg != NULL)
		return msg;
	/* With CAP_SETPCAP the bounding set must be emptied too. */
	if ((bnd_before & BIT_SETPCAP) != 0 && status_caps("CapBnd") != 0)
		return why("CapBnd %" PRIx64 " after drop",
			   status_caps("CapBnd"));
	return NULL;
}

START_TEST(test_drop_nobody)
{
	if (!need_root("test_drop_nobody"))
		return;
	in_child(child_nobody, NULL);
}
END_TEST

/* Supplementary groups the root process had (here: root, adm, sudo, users)
 * must not survive; the target keeps only its primary group. */
static const char *
child_groups(const void *arg)
{
	static const gid_t extra[] = {0, 4, 27, 100};
	uid_t uid;
	gid_t gid;

	(void)arg;
	if (setgroups(4, extra) != 0)
		return why("setgroups: %s", strerror(errno));
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	return drop_and_check("nobody", uid, gid);
}

START_TEST(test_groups_cleared)
{
	if (!need_root("test_groups_cleared"))
		return;
	in_child(child_groups, NULL);
}
END_TEST

/* Failures are reported before any credential changes, with a message that
 * names the user and what is wrong. */
static const struct bad_user {
	const char *user;
	const char *msg;
} bad_users[] = {
    {"tlsdiag-nosuchuser", "unknown user 'tlsdiag-nosuchuser'"},
    {"", "no user given to drop privileges to"},
    {"12x", "unknown user '12x'"},
    {"-1", "unknown user '-1'"},
    {" 7", "unknown user ' 7'"},
    {"4294967295", "unknown user '4294967295'"},
    {"99999999999", "unknown user '99999999999'"},
    {"1:", "unknown user '1:'"},
    {":1", "unknown user ':1'"},
    {"nobody:nogroup", "unknown user 'nobody:nogroup'"},
    {"3999999999",
     "unknown user '3999999999' (a UID without a passwd entry needs "
     "UID:GID)"},
    {"root", "cannot drop to user 'root': it has user or group ID 0"},
    {"0", "cannot drop to user '0': it has user or group ID 0"},
    {"0:5", "cannot drop to user '0:5': it has user or group ID 0"},
    {"40000:0", "cannot drop to user '40000:0': it has user or group ID 0"},
};

static const char *
child_bad(const void *arg)
{
	const struct bad_user *b = arg;
	char err[PRIV_ERR_SIZE];
	uid_t ru, eu, su;

	if (priv_drop(b->user, err, sizeof(err)) != -1)
		return why("priv_drop('%s') did not fail", b->user);
	if (strcmp(err, b->msg) != 0)
		return why("message '%s', want '%s'", err, b->msg);
	if (getresuid(&ru, &eu, &su) != 0 || ru != 0 || eu != 0 || su != 0)
		return why("credentials changed by a failed drop");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return why("no_new_privs set by a failed lookup");
	return NULL;
}

START_TEST(test_bad_user)
{
	if (!need_root("test_bad_user"))
		return;
	in_child(child_bad, &bad_users[_i]);
}
END_TEST

/* A message longer than the buffer is cut and still terminated; a NULL
 * buffer is allowed. */
static const char *
child_small_buf(const void *arg)
{
	char err[8];

	(void)arg;
	memset(err, 'x', sizeof(err));
	if (priv_drop("tlsdiag-nosuchuser", err, sizeof(err)) != -1)
		return why("did not fail");
	if (strcmp(err, "unknown") != 0)
		return why("truncated message '%.8s'", err);
	if (priv_drop("tlsdiag-nosuchuser", NULL, 0) != -1)
		return why("did not fail with NULL errbuf");
	return NULL;
}

START_TEST(test_small_errbuf)
{
	if (!need_root("test_small_errbuf"))
		return;
	in_child(child_small_buf, NULL);
}
END_TEST

/* A step the kernel refuses is named in the message, with its errno: root
 * without CAP_SETGID cannot set groups, without CAP_SETUID cannot setresuid
 * (a container's root may lack either). */
static const struct lacking {
	int cap;
	const char *msg;
} lacking[] = {
    {6, "cannot drop to user 'nobody': setgroups: Operation not permitted"},
    {7, "cannot drop to user 'nobody': setresuid: Operation not permitted"},
};

static const char *
child_lacking(const void *arg)
{
	const struct lacking *l = arg;
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	char err[PRIV_ERR_SIZE];

	if (syscall(SYS_capget, &h, d) != 0)
		return why("capget: %s", strerror(errno));
	d[0].effective &= ~(UINT32_C(1) << l->cap);
	d[0].permitted &= ~(UINT32_C(1) << l->cap);
	if (syscall(SYS_capset, &h, d) != 0)
		return why("capset: %s", strerror(errno));
	if (priv_drop("nobody", err, sizeof(err)) != -1)
		return why("priv_drop succeeded without capability %d", l->cap);
	if (strcmp(err, l->msg) != 0)
		return why("message '%s', want '%s'", err, l->msg);
	return NULL;
}

START_TEST(test_step_refused)
{
	if (!need_root("test_step_refused"))
		return;
	in_child(child_lacking, &lacking[_i]);
}
END_TEST

/* Numeric forms: a UID with a passwd entry takes its primary group; UID:GID
 * needs no entry (a container's arbitrary ID). */
static const struct num_user {
	const char *user;
	const char *byname; /* passwd entry giving the expected IDs, or NULL */
	uid_t uid;
	gid_t gid;
} num_users[] = {
    {"65534", "nobody", 0, 0},
    {"40000:40001", NULL, 40000, 40001},
    {"65534:40002", NULL, 65534, 40002},
};

static const char *
child_num(const void *arg)
{
	const struct num_user *u = arg;
	uid_t uid = u->uid;
	gid_t gid = u->gid;

	if (u->byname != NULL && !lookup(u->byname, &uid, &gid))
		return why("no user %s", u->byname);
	return drop_and_check(u->user, uid, gid);
}

START_TEST(test_numeric)
{
	if (!need_root("test_numeric"))
		return;
	in_child(child_num, &num_users[_i]);
}
END_TEST

/* A named user whose primary group is not its UID (Debian's "sync" is
 * 4:65534): the group must come from passwd, not be guessed from the UID. */
static const char *
child_other_group(const void *arg)
{
	const struct passwd *pw;
	char name[64];
	uid_t uid = 0;
	gid_t gid = 0;

	(void)arg;
	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (pw->pw_uid != 0 && pw->pw_gid != 0 &&
		    pw->pw_gid != (gid_t)pw->pw_uid &&
		    strlen(pw->pw_name) < sizeof(name)) {
			snprintf(name, sizeof(name), "%s", pw->pw_name);
			uid = pw->pw_uid;
			gid = pw->pw_gid;
			break;
		}
	}
	endpwent();
	if (uid == 0) {
		fprintf(stderr, "check_priv: no user with uid != gid; using "
				"UID:GID\n");
		snprintf(name, sizeof(name), "41000:41001");
		uid = 41000;
		gid = 41001;
	}
	return drop_and_check(name, uid, gid);
}

START_TEST(test_primary_group_differs)
{
	if (!need_root("test_primary_group_differs"))
		return;
	in_child(child_other_group, NULL);
}
END_TEST

/* A second call (now not root) succeeds and changes nothing, whatever user
 * it names: main may call priv_drop unconditionally. */
static const char *
child_twice(const void *arg)
{
	static const char *const again[] = {"nobody", "root", "nosuchuser"};
	char err[PRIV_ERR_SIZE];
	uid_t uid;
	gid_t gid;
	const char *msg;
	size_t i;

	(void)arg;
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	msg = drop_and_check("nobody", uid, gid);
	if (msg != NULL)
		return msg;
	for (i = 0; i < sizeof(again) / sizeof(again[0]); i++) {
		if (priv_drop(again[i], err, sizeof(err)) != 0)
			return why("second call (%s): %s", again[i], err);
		msg = check_dropped(uid, gid);
		if (msg != NULL)
			return msg;
	}
	return NULL;
}

START_TEST(test_twice)
{
	if (!need_root("test_twice"))
		return;
	in_child(child_twice, NULL);
}
END_TEST

/* The reason to drop: after it, root-only files cannot be opened, while a
 * descriptor opened before the drop (the capture, an output file) still
 * works. */
static const char *
child_files(const void *arg)
{
	const char *path = arg;
	struct stat st;
	char buf[16];
	uid_t uid;
	gid_t gid;
	const char *msg;
	int before, fd;

	before = open(path, O_RDONLY);
	if (before < 0)
		return why("open %s as root: %s", path, strerror(errno));
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	msg = drop_and_check("nobody", uid, gid);
	if (msg != NULL)
		return msg;
	fd = open(path, O_RDONLY);
	if (fd >= 0 || errno != EACCES)
		return why("open %s after drop: fd %d, %s", path, fd,
			   strerror(errno));
	if (read(before, buf, sizeof(buf)) != 6 || memcmp(buf, "secret", 6))
		return why("descriptor opened before the drop unusable");
	close(before);
	/* /etc/shadow too, where it exists and is not world-readable. */
	if (stat("/etc/shadow", &st) == 0 && (st.st_mode & S_IROTH) == 0) {
		fd = open("/etc/shadow", O_RDONLY);
		if (fd >= 0 || errno != EACCES)
			return why("open /etc/shadow after drop: fd %d, %s", fd,
				   strerror(errno));
	}
	return NULL;
}

START_TEST(test_root_only_file)
{
	char path[] = "/tmp/check_priv.XXXXXX";
	int fd;

	if (!need_root("test_root_only_file"))
		return;
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, 0600), 0);
	ck_assert_int_eq(write(fd, "secret", 6), 6);
	close(fd);
	in_child(child_files, path);
	unlink(path);
}
END_TEST

/* Root only in the saved and real IDs (seteuid(nobody) earlier): the
 * process can become root again, so it counts as root and is dropped. */
static const char *
child_euid_only(const void *arg)
{
	uid_t uid;
	gid_t gid;

	(void)arg;
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	if (seteuid(uid) != 0)
		return why("seteuid: %s", strerror(errno));
	if (!priv_is_root())
		return why("priv_is_root() false with real UID 0");
	return drop_and_check("nobody", uid, gid);
}

START_TEST(test_saved_root)
{
	if (!need_root("test_saved_root"))
		return;
	in_child(child_euid_only, NULL);
}
END_TEST

/* Whoever started us set SECBIT_KEEP_CAPS: leaving UID 0 then keeps the
 * permitted set, and the drop must still end with no capability. */
static const char *
child_keepcaps(const void *arg)
{
	uid_t uid;
	gid_t gid;

	(void)arg;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		return why("PR_SET_KEEPCAPS: %s", strerror(errno));
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	return drop_and_check("nobody", uid, gid);
}

START_TEST(test_keepcaps)
{
	if (!need_root("test_keepcaps"))
		return;
	in_child(child_keepcaps, NULL);
}
END_TEST

/* Not root but holding capabilities (systemd User= plus
 * AmbientCapabilities=CAP_NET_RAW, simulated with keep-caps): the UID is
 * kept, and every capability goes, so setuid(0) fails afterwards. */
static const char *
child_caps_nonroot(const void *arg)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	char err[PRIV_ERR_SIZE];
	int i;
	uid_t uid;
	gid_t gid;

	(void)arg;
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		return why("setting up: %s", strerror(errno));
	/* Leaving UID 0 emptied the effective set but keep-caps kept the
	 * permitted one; raise it again, as systemd's ambient set would. */
	if (syscall(SYS_capget, &h, d) != 0)
		return why("capget: %s", strerror(errno));
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		d[i].effective = d[i].permitted;
	if (syscall(SYS_capset, &h, d) != 0)
		return why("capset: %s", strerror(errno));
	if ((status_caps("CapEff") & BIT_SETUID) == 0)
		return why("set-up left no CAP_SETUID to drop");
	if (priv_is_root())
		return why("priv_is_root() true for uid %u", (unsigned)uid);
	if (priv_drop("nobody", err, sizeof(err)) != 0)
		return why("priv_drop: %s", err);
	return check_dropped(uid, gid);
}

START_TEST(test_caps_without_root)
{
	if (!need_root("test_caps_without_root"))
		return;
	in_child(child_caps_nonroot, NULL);
}
END_TEST

/* Not root and no capability: nothing at all is done (no_new_privs stays
 * off), whatever the user. */
static const char *
child_plain_user(const void *arg)
{
	char err[PRIV_ERR_SIZE];
	uid_t uid;
	gid_t gid;

	(void)arg;
	if (!lookup("nobody", &uid, &gid))
		return why("no user nobody");
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		return why("setting up: %s", strerror(errno));
	if (priv_drop("tlsdiag-nosuchuser", err, sizeof(err)) != 0)
		return why("priv_drop: %s", err);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0)
		return why("no_new_privs set although nothing was to drop");
	if (getuid() != uid || getgid() != gid)
		return why("IDs changed");
	return NULL;
}

START_TEST(test_plain_user_noop)
{
	if (!need_root("test_plain_user_noop"))
		return;
	in_child(child_plain_user, NULL);
}
END_TEST

static Suite *
priv_suite(void)
{
	Suite *s = suite_create("priv");
	TCase *tc = tcase_create("drop");

	tcase_add_test(tc, test_drop_nobody);
	tcase_add_test(tc, test_groups_cleared);
	tcase_add_loop_test(tc, test_bad_user, 0,
			    (int)(sizeof(bad_users) / sizeof(bad_users[0])));
	tcase_add_test(tc, test_small_errbuf);
	tcase_add_loop_test(tc, test_step_refused, 0,
			    (int)(sizeof(lacking) / sizeof(lacking[0])));
	tcase_add_loop_test(tc, test_numeric, 0,
			    (int)(sizeof(num_users) / sizeof(num_users[0])));
	tcase_add_test(tc, test_primary_group_differs);
	tcase_add_test(tc, test_twice);
	tcase_add_test(tc, test_root_only_file);
	tcase_add_test(tc, test_saved_root);
	tcase_add_test(tc, test_keepcaps);
	tcase_add_test(tc, test_caps_without_root);
	tcase_add_test(tc, test_plain_user_noop);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(priv_suite)
