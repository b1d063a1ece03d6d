/* Output folders that appear whole or not at all. */
#ifndef RS_OUTDIR_H
#define RS_OUTDIR_H

#include <stdbool.h>

/* Creates an empty staging folder beside `dir` (with logs/ inside) and returns its path. */
char *outdir_stage(const char *dir, char **err);
/* Replaces `dir` by the staged folder. */
bool outdir_commit(const char *staged, const char *dir, char **err);
/* Removes a staged folder after a failure. */
void outdir_discard(const char *staged);

/* Removes a folder tree (regular files and folders; symbolic links are unlinked, not followed). */
void outdir_remove_tree(const char *path);

#endif
