/* Private to cli/outdir*.c: output-folder markers, walks that list, check and remove a folder tree
 * through file descriptors (never following a symbolic link), and the signal guard's internals. */
#ifndef RS_OUTDIR_PRIVATE_H
#define RS_OUTDIR_PRIVATE_H

#include <glib.h>
#include <stdbool.h>

/* --- outdir_tree.c ----------------------------------------------------------------------- */

/* The marker of the folder open as `dirfd`: path -> 'f' or 'd' for each "f PATH"/"d PATH" line.
 * NULL if there is none (*why NULL) or if it is damaged (*why says how). */
GHashTable *ot_read_marker(int dirfd, char **why);

/* Whether every entry under `dirfd` (at every depth) is one `marker` lists, or lies in a folder
 * with a valid marker of its own. `shown` names the folder in *err ("SHOWN: holds X, ..."). */
bool ot_check(int dirfd, const char *shown, GHashTable *marker, char **err);

/* Deletes the entries `marker` lists under `dirfd` (and marked folders inside, the same way),
 * then the marker itself. Anything unlisted stays where it is and is reported in *err. */
bool ot_remove_listed(int dirfd, const char *shown, GHashTable *marker, char **err);

/* The marker lines ("f PATH", "d PATH") for everything now under `dirfd`, sorted; folders with a
 * marker of their own, symbolic links and special files are left out. */
GPtrArray *ot_list(int dirfd);

/* Writes `dir`'s marker from `lines` (atomically: a temporary file renamed into place). */
bool ot_write_marker(const char *dir, GPtrArray *lines, char **err);

/* Removes a whole tree (files, folders; a symbolic link is unlinked, never followed) with
 * async-signal-safe calls only, so that a signal handler may call it. Missing entries are fine. */
void ot_remove_tree_signal_safe(const char *path);

/* --- outdir_signal.c --------------------------------------------------------------------- */

/* Creates the folder `path` (mkdir, refusing one that exists) and starts guarding it, with no
 * instant at which a signal could find it made but unguarded. False with errno set. */
bool og_mkdir_guarded(const char *path, unsigned flags);

/* Renames the guarded folder `from` to `to` and stops guarding it, atomically with respect to
 * the signal guard. False with errno set (the guard then stays on `from`). */
bool og_rename_guarded(const char *from, const char *to);

/* Removes the guarded folder and stops guarding it. */
void og_remove_guarded(const char *path);

#endif
