/* Staging of output folders: a run writes beside its target and renames at the end, so an
 * interrupted or failed run never leaves a half-written output folder behind. */
#include "outdir.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

void outdir_remove_tree(const char *path)
{
  GDir *d = g_dir_open(path, 0, NULL);
  if (d) {
    const char *name;
    while ((name = g_dir_read_name(d))) {
      char *child = g_build_filename(path, name, NULL);
      if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
        outdir_remove_tree(child);
      else
        g_unlink(child);
      g_free(child);
    }
    g_dir_close(d);
  }
  g_rmdir(path);
}

char *outdir_stage(const char *dir, char **err)
{
  char *staged = g_strdup_printf("%s.partial-%d", dir, (int)getpid());
  outdir_remove_tree(staged);
  char *logs = g_build_filename(staged, "logs", NULL);
  if (g_mkdir_with_parents(logs, 0755) != 0) {
    *err = g_strdup_printf("%s: cannot create: %s", dir, g_strerror(errno));
    g_free(logs);
    g_free(staged);
    return NULL;
  }
  g_free(logs);
  return staged;
}

bool outdir_commit(const char *staged, const char *dir, char **err)
{
  if (g_file_test(dir, G_FILE_TEST_IS_DIR))
    outdir_remove_tree(dir);
  if (g_rename(staged, dir) != 0) {
    *err = g_strdup_printf("%s: cannot rename the staged output: %s", dir, g_strerror(errno));
    return false;
  }
  return true;
}

void outdir_discard(const char *staged)
{
  outdir_remove_tree(staged);
}
