/* priv.h -- dropping root for good before the first untrusted byte is parsed.
 *
 * A live capture needs root (or CAP_NET_RAW) to open its socket; nothing
 * after that does.  So main opens everything that needs privilege first --
 * the pcap handle (live or `-r` file), the BPF filter, the trust store, the
 * output files and the metrics listening socket -- and then calls priv_drop()
 * before libpcap reads a packet or a file header: a bug in any parser then
 * runs as an unprivileged user that cannot regain root.  Descriptors opened
 * before the drop stay usable; anything opened later (a JSON file reopened on
 * SIGHUP) must be reachable by the target user.
 *
 * This module owns the process credentials and nothing else.  It never opens
 * files, never touches a packet, and uses no libcap: plain setgroups,
 * setresgid, setresuid, prctl and capget/capset.
 *
 * Call it while the process has a single thread: no-new-privs and the
 * capability bounding set are per-thread, so workers (-W N) must be started
 * after the drop to inherit it.  The user lookup goes through NSS
 * (getpwnam_r), which may read /etc/passwd or ask a directory service; that
 * is done here, before packets, never in the packet path.
 */
#ifndef TLSDIAG_PRIV_H
#define TLSDIAG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

/* Default for -Z: the overflow user every Linux distribution has. */
#define PRIV_USER_DEFAULT "nobody"

/* Room for any message priv_drop() writes (it truncates to errlen anyway). */
#define PRIV_ERR_SIZE 256

/* True when the process is root or can become root again: its real,
 * effective or saved user ID is 0.  main uses it to decide whether a drop
 * is worth announcing; calling priv_drop() anyway is safe. */
bool priv_is_root(void);

/* Become `user` for the rest of the process's life.
 *
 * `user` is a login name (looked up with getpwnam_r), a numeric UID with a
 * passwd entry (its primary group is used), or "UID:GID" for an ID without
 * one (containers).  Dropping to UID 0 or GID 0 is refused: it would keep
 * root.
 *
 * As root, in this order: supplementary groups become just the primary
 * group; setresgid(gid, gid, gid); every capability is dropped from the
 * bounding set (best effort: it needs CAP_SETPCAP, which some containers
 * withhold; no-new-privs below already stops execve from gaining any);
 * ambient capabilities are cleared; setresuid(uid, uid, uid); permitted,
 * effective and inheritable capabilities are cleared (in case someone set
 * SECBIT_KEEP_CAPS); PR_SET_NO_NEW_PRIVS is set.  Then the result is
 * verified: the real, effective and saved IDs all equal the target, no other
 * group remains, no capability is left, no-new-privs reads back as set, and
 * setuid(0) and setgid(0) both fail.
 *
 * Not root (no real, effective or saved UID 0): `user` is ignored and the
 * UID is kept.  If the process holds no capability, nothing is done.  If it
 * holds some (a systemd unit with User= and AmbientCapabilities=CAP_NET_RAW),
 * they are all cleared, no-new-privs is set, and that is verified.  So a
 * second call after a successful drop returns 0 and changes nothing.
 *
 * Returns 0 on success.  On failure returns -1 with a one-line message in
 * errbuf ("unknown user 'nosuchuser'", "cannot drop to user 'nobody':
 * setresuid: Operation not permitted"); the process may then be half-way
 * between root and the target and must exit without parsing anything.
 */
int priv_drop(const char *user, char *errbuf, size_t errlen);

#endif
