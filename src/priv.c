/* priv.c -- dropping root for good before the first untrusted byte is parsed.
 *
 * Implements no RFC; follows credentials(7), capabilities(7) and the kernel's
 * no_new_privs documentation.  It must never leave a way back to root that
 * it does not report: every step is checked, and the result is verified
 * independently of the steps that produced it.  It never reads packets or
 * opens files, and links no libcap.
 */
/* setresuid, setresgid, getresuid and getresgid are GNU extensions. */
#define _GNU_SOURCE

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "tlsdiag/priv.h"

/* Largest buffer offered to getpwnam_r/getpwuid_r.  A passwd entry is one
 * line of /etc/passwd, well under 1 KiB; directory-service NSS modules ask
 * for a few KiB at most.  The cap stops a broken module that keeps answering
 * ERANGE from making us allocate without end. */
#define PRIV_PWBUF_MAX (1024u * 1024u)

/* Highest capability number probed in the bounding set.  Linux has 41
 * (CAP_CHECKPOINT_RESTORE = 40); the kernel answers EINVAL past its last
 * one, which ends the loop first.  64 is the width of the capability sets. */
#define PRIV_CAP_PROBE_MAX 64

static void priv_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
priv_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* A step failed with errno set: "cannot drop to user 'nobody': setresuid:
 * Operation not permitted". */
static int
priv_fail(char *errbuf, size_t errlen, const char *user, const char *step)
{
	int e = errno;

	priv_err(errbuf, errlen, "cannot drop to user '%s': %s: %s", user, step,
		 strerror(e));
	return -1;
}

/* A verification failed: there is no errno to report, only what was seen. */
static int
priv_unsafe(char *errbuf, size_t errlen, const char *user, const char *what)
{
	priv_err(errbuf, errlen, "cannot drop to user '%s': %s", user, what);
	return -1;
}

bool
priv_is_root(void)
{
	uid_t r, e, s;

	if (getresuid(&r, &e, &s) != 0)
		return geteuid() == 0;
	return r == 0 || e == 0 || s == 0;
}

/* A decimal ID: digits only, no sign or spaces (strtoul would accept
 * " -1"), and never (id_t)-1, which the set*id calls read as "unchanged". */
static bool
priv_parse_id(const char *s, size_t n, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* Look up a passwd entry by name (byuid == false) or by UID.  Returns 1 and
 * the primary GID when found, 0 when there is no such entry, -1 with errno
 * when the lookup itself failed. */
static int
priv_getpw(const char *name, uid_t uid, bool byuid, uid_t *uid_out,
	   gid_t *gid_out)
{
	struct passwd pw, *res = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len =
	    hint > 0 && hint < (long)PRIV_PWBUF_MAX ? (size_t)hint : 1024;
	char *buf;
	int rc;

	for (;;) {
		buf = malloc(len);
		if (buf == NULL)
			return -1;
		if (byuid)
			rc = getpwuid_r(uid, &pw, buf, len, &res);
		else
			rc = getpwnam_r(name, &pw, buf, len, &res);
		if (rc != ERANGE || len >= PRIV_PWBUF_MAX)
			break;
		free(buf);
		len *= 2;
	}
	if (rc == 0 && res != NULL) {
		*uid_out = pw.pw_uid;
		*gid_out = pw.pw_gid;
		free(buf);
		return 1;
	}
	free(buf);
	/* getpwnam_r(3): ENOENT, ESRCH, EBADF and EPERM may also mean "not
	 * found", depending on the NSS module. */
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		return 0;
	errno = rc;
	return -1;
}

/* Name first (a login name could be all digits), then "UID", then
 * "UID:GID". */
static int
priv_resolve(const char *user, uid_t *uid, gid_t *gid, char *errbuf,
	     size_t errlen)
{
	const char *colon = strchr(user, ':');
	uint32_t u, g;
	int rc;

	if (colon == NULL) {
		rc = priv_getpw(user, 0, false, uid, gid);
		if (rc == 1)
			return 0;
		if (rc < 0) {
			priv_err(errbuf, errlen, "cannot look up user '%s': %s",
				 user, strerror(errno));
			return -1;
		}
		if (!priv_parse_id(user, strlen(user), &u)) {
			priv_err(errbuf, errlen, "unknown user '%s'", user);
			return -1;
		}
		rc = priv_getpw(NULL, (uid_t)u, true, uid, gid);
		if (rc == 1)
			return 0;
		if (rc < 0) {
			priv_err(errbuf, errlen, "cannot look up user '%s': %s",
				 user, strerror(errno));
			return -1;
		}
		priv_err(
		    errbuf, errlen,
		    "unknown user '%s' (a UID without a passwd entry needs "
		    "UID:GID)",
		    user);
		return -1;
	}
	if (!priv_parse_id(user, (size_t)(colon - user), &u) ||
	    !priv_parse_id(colon + 1, strlen(colon + 1), &g)) {
		priv_err(errbuf, errlen, "unknown user '%s'", user);
		return -1;
	}
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static int
priv_capget(struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};

	memset(d, 0, sizeof(*d) * _LINUX_CAPABILITY_U32S_3);
	return (int)syscall(SYS_capget, &h, d);
}

/* Permitted, effective and inheritable all empty.  Ambient needs no check of
 * its own: the kernel keeps it a subset of permitted and inheritable. */
static bool
priv_caps_empty(void)
{
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	int i;

	if (priv_capget(d) != 0)
		return false;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective != 0 || d[i].permitted != 0 ||
		    d[i].inheritable != 0)
			return false;
	return true;
}

static int
priv_caps_clear(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	return (int)syscall(SYS_capset, &h, d);
}

/* Best effort: dropping from the bounding set needs CAP_SETPCAP, which a
 * container may withhold, and no-new-privs already stops execve from
 * granting anything.  So EPERM ends the loop quietly; EINVAL means the
 * kernel has no capability with that number, i.e. we are past the last. */
static void
priv_bounding_drop(void)
{
	int cap;

	for (cap = 0; cap < PRIV_CAP_PROBE_MAX; cap++) {
		int in =
		    prctl(PR_CAPBSET_READ, (unsigned long)cap, 0UL, 0UL, 0UL);
		if (in < 0)
			return;
		if (in == 1 && prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0UL,
				     0UL, 0UL) != 0)
			return;
	}
}

/* Ambient capabilities came with Linux 4.3; older kernels answer EINVAL and
 * have none to clear. */
static int
priv_ambient_clear(void)
{
	if (prctl(PR_CAP_AMBIENT, (unsigned long)PR_CAP_AMBIENT_CLEAR_ALL, 0UL,
		  0UL, 0UL) != 0 &&
	    errno != EINVAL)
		return -1;
	return 0;
}

/* Checks that do not depend on the target IDs. */
static int
priv_verify_common(const char *user, char *errbuf, size_t errlen)
{
	if (prctl(PR_GET_NO_NEW_PRIVS, 0UL, 0UL, 0UL, 0UL) != 1)
		return priv_unsafe(errbuf, errlen, user,
				   "no_new_privs is not set after the drop");
	if (!priv_caps_empty())
		return priv_unsafe(errbuf, errlen, user,
				   "capabilities remain after the drop");
	/* The test that matters: whatever the steps above believed, the
	 * kernel must now refuse to make us root. */
	if (setuid(0) == 0)
		return priv_unsafe(errbuf, errlen, user,
				   "setuid(0) still succeeds after the drop");
	return 0;
}

static int
priv_verify(const char *user, uid_t uid, gid_t gid, char *errbuf, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, g;
	int n;

	if (getresuid(&ru, &eu, &su) != 0)
		return priv_fail(errbuf, errlen, user, "getresuid");
	if (ru != uid || eu != uid || su != uid)
		return priv_unsafe(
		    errbuf, errlen, user,
		    "user IDs differ from the target after the drop");
	if (getresgid(&rg, &eg, &sg) != 0)
		return priv_fail(errbuf, errlen, user, "getresgid");
	if (rg != gid || eg != gid || sg != gid)
		return priv_unsafe(
		    errbuf, errlen, user,
		    "group IDs differ from the target after the drop");
	/* Only the primary group may be listed (we set exactly it). */
	n = getgroups(0, NULL);
	if (n < 0)
		return priv_fail(errbuf, errlen, user, "getgroups");
	if (n > 1)
		return priv_unsafe(
		    errbuf, errlen, user,
		    "supplementary groups remain after the drop");
	if (n == 1) {
		if (getgroups(1, &g) != 1)
			return priv_fail(errbuf, errlen, user, "getgroups");
		if (g != gid)
			return priv_unsafe(
			    errbuf, errlen, user,
			    "a supplementary group remains after the drop");
	}
	if (priv_verify_common(user, errbuf, errlen) != 0)
		return -1;
	if (setgid(0) == 0)
		return priv_unsafe(errbuf, errlen, user,
				   "setgid(0) still succeeds after the drop");
	return 0;
}

/* Not root, but maybe holding capabilities (systemd's User= with
 * AmbientCapabilities=): shed them, keep the IDs. */
static int
priv_drop_caps_only(char *errbuf, size_t errlen)
{
	char self[32];

	if (priv_caps_empty())
		return 0;
	snprintf(self, sizeof(self), "%lu", (unsigned long)getuid());
	priv_bounding_drop();
	if (priv_ambient_clear() != 0)
		return priv_fail(errbuf, errlen, self, "clearing ambient caps");
	if (priv_caps_clear() != 0)
		return priv_fail(errbuf, errlen, self, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0)
		return priv_fail(errbuf, errlen, self, "PR_SET_NO_NEW_PRIVS");
	return priv_verify_common(self, errbuf, errlen);
}

int
priv_drop(const char *user, char *errbuf, size_t errlen)
{
	uid_t uid;
	gid_t gid;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (!priv_is_root())
		return priv_drop_caps_only(errbuf, errlen);
	if (user == NULL || user[0] == '\0') {
		priv_err(errbuf, errlen, "no user given to drop privileges to");
		return -1;
	}
	if (priv_resolve(user, &uid, &gid, errbuf, errlen) != 0)
		return -1;
	/* Dropping "to root" would pass every step and keep everything. */
	if (uid == 0 || gid == 0)
		return priv_unsafe(errbuf, errlen, user,
				   "it has user or group ID 0");

	/* Root only in the real or saved ID: take it back into the effective
	 * ID, which the steps below need. */
	if (geteuid() != 0 && seteuid(0) != 0)
		return priv_fail(errbuf, errlen, user, "seteuid");
	/* Groups first: once the UID changes, we may no longer set them. */
	if (setgroups(1, &gid) != 0)
		return priv_fail(errbuf, errlen, user, "setgroups");
	if (setresgid(gid, gid, gid) != 0)
		return priv_fail(errbuf, errlen, user, "setresgid");
	/* The bounding set needs CAP_SETPCAP, so before the UID changes. */
	priv_bounding_drop();
	if (priv_ambient_clear() != 0)
		return priv_fail(errbuf, errlen, user, "clearing ambient caps");
	if (setresuid(uid, uid, uid) != 0)
		return priv_fail(errbuf, errlen, user, "setresuid");
	/* Leaving UID 0 clears the capabilities unless SECBIT_KEEP_CAPS or
	 * SECBIT_NO_SETUID_FIXUP was set by whoever started us; clear them
	 * explicitly so that neither matters. */
	if (priv_caps_clear() != 0)
		return priv_fail(errbuf, errlen, user, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) != 0)
		return priv_fail(errbuf, errlen, user, "PR_SET_NO_NEW_PRIVS");
	return priv_verify(user, uid, gid, errbuf, errlen);
}
