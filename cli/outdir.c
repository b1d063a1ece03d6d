/* Output folders: which existing paths replsim may replace, staging beside the target, and the
 * marker that lets a later run recognize what replsim wrote (outdir.h explains the rules). */
#include "outdir.h"
#include "outdir_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sets *err (replacing an earlier one) and returns false. */
static bool od_fail(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool od_fail(char **err, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_free(*err);
  *err = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  return false;
}

/* The path without trailing slashes: "out/" must not make lstat() follow a link named out. */
static char *without_trailing_slashes(const char *dir)
{
  char *p = g_strdup(dir);
  size_t n = strlen(p);
  while (n > 1 && p[n - 1] == '/')
    p[--n] = '\0';
  return p;
}

/* The canonical form of an existing path (links resolved), or NULL. */
static char *real_path(const char *path)
{
  char *r = realpath(path, NULL);
  char *copy = r ? g_strdup(r) : NULL;
  free(r);
  return copy;
}

/* Folders no run should ever replace, whatever they hold: "/", the home folder, and the current
 * folder with its ancestors (replacing one would pull the ground from under the shell). */
static bool is_protected(const char *dir, char **err)
{
  char *real = real_path(dir);
  if (real == NULL)
    return false;
  const char *home = g_get_home_dir();
  char *real_home = home ? real_path(home) : NULL;
  char *cwd = g_get_current_dir();
  char *real_cwd = real_path(cwd);
  bool ancestor = real_cwd && (strcmp(real, "/") == 0 || strcmp(real_cwd, real) == 0 ||
                               (g_str_has_prefix(real_cwd, real) && real_cwd[strlen(real)] == '/'));
  bool protected = true;
  if (strcmp(real, "/") == 0)
    od_fail(err, "%s: is the root folder; replsim never replaces it", dir);
  else if (real_home && strcmp(real_home, real) == 0)
    od_fail(err, "%s: is the home folder; replsim never replaces it", dir);
  else if (ancestor)
    od_fail(err, "%s: holds the current folder; replsim never replaces it (name a new folder)", dir);
  else
    protected = false;
  g_free(real);
  g_free(real_home);
  g_free(cwd);
  g_free(real_cwd);
  return protected;
}

/* strcmp for g_ptr_array_sort. */
static gint compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the folder open as `fd` has no entry. */
static bool folder_is_empty(int fd)
{
  int copy = dup(fd);
  if (copy < 0)
    return false;
  bool empty = true;
  DIR *d = fdopendir(copy);
  if (d == NULL) {
    close(copy);
    return false;
  }
  for (struct dirent *e; empty && (e = readdir(d)) != NULL;)
    empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
  closedir(d);
  return empty;
}

/* An existing folder: empty, or marked and holding nothing its marker does not list. */
static bool check_existing_folder(const char *dir, char **err)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return od_fail(err, "%s: cannot be opened: %s", dir, g_strerror(errno));
  bool ok = true;
  if (!folder_is_empty(fd)) {
    char *why = NULL;
    GHashTable *marker = ot_read_marker(fd, &why);
    if (marker == NULL && why)
      ok = od_fail(err, "%s: exists and is not a folder replsim wrote: %s; replsim never deletes what it "
                   "did not write (choose another folder, or empty it yourself)", dir, why);
    else if (marker == NULL)
      ok = od_fail(err, "%s: exists, is not empty and is not a folder replsim wrote (it has no %s marker); "
                   "replsim never deletes what it did not write (choose another folder, or empty it yourself)",
                   dir, OUTDIR_MARKER);
    else if (!ot_check(fd, dir, marker, &why))
      ok = od_fail(err, "%s; replsim never deletes what it did not write (move it away, or choose another "
                   "folder)", why);
    g_free(why);
    if (marker)
      g_hash_table_unref(marker);
  }
  close(fd);
  return ok;
}

bool outdir_check_target(const char *dir, char **err)
{
  if (dir == NULL || dir[0] == '\0')
    return od_fail(err, "the output folder's name is empty");
  char *path = without_trailing_slashes(dir);
  char *base = g_path_get_basename(path);
  bool dots = strcmp(base, ".") == 0 || strcmp(base, "..") == 0;
  g_free(base);
  struct stat st;
  bool ok = true;
  if (dots)
    ok = od_fail(err, "%s: names the current or the parent folder; name a new folder instead", dir);
  else if (lstat(path, &st) != 0)
    ok = errno == ENOENT || od_fail(err, "%s: cannot be inspected: %s", dir, g_strerror(errno));
  else if (S_ISLNK(st.st_mode))
    ok = od_fail(err, "%s: is a symbolic link; replsim neither writes through one nor replaces it "
                 "(name a new folder)", dir);
  else if (!S_ISDIR(st.st_mode))
    ok = od_fail(err, "%s: exists and is not a folder; replsim replaces only folders it wrote", dir);
  else if (is_protected(path, err))
    ok = false;
  else
    ok = check_existing_folder(path, err);
  g_free(path);
  return ok;
}

char *outdir_stage_with(const char *dir, unsigned flags, char **err)
{
  if (!outdir_check_target(dir, err))
    return NULL;
  char *path = without_trailing_slashes(dir);
  char *parent = g_path_get_dirname(path);
  char *staged = g_strdup_printf("%s.partial-%d", path, (int)getpid());
  bool ok = true;
  if (g_mkdir_with_parents(parent, 0755) != 0)
    ok = od_fail(err, "%s: cannot create: %s", parent, g_strerror(errno));
  else if (!og_mkdir_guarded(staged, flags))
    ok = od_fail(err, "%s: cannot create the staging folder: %s%s", staged, g_strerror(errno),
                 errno == EEXIST ? " (an earlier run with the same process id left it: remove it yourself)" : "");
  if (ok && (flags & OUTDIR_WITH_LOGS)) {
    char *logs = g_build_filename(staged, "logs", NULL);
    if (g_mkdir(logs, 0755) != 0) {
      ok = od_fail(err, "%s: cannot create: %s", logs, g_strerror(errno));
      og_remove_guarded(staged);
    }
    g_free(logs);
  }
  g_free(parent);
  g_free(path);
  if (!ok) {
    g_free(staged);
    return NULL;
  }
  return staged;
}

bool outdir_create(const char *dir, unsigned flags, char **err)
{
  if (!og_mkdir_guarded(dir, flags))
    return od_fail(err, "%s: cannot create: %s", dir, g_strerror(errno));
  return true;
}

char *outdir_stage(const char *dir, char **err)
{
  return outdir_stage_with(dir, OUTDIR_WITH_LOGS, err);
}

bool outdir_mark(const char *dir, char **err)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return od_fail(err, "%s: cannot be opened: %s", dir, g_strerror(errno));
  GPtrArray *lines = ot_list(fd);
  close(fd);
  bool ok = ot_write_marker(dir, lines, err);
  g_ptr_array_unref(lines);
  return ok;
}

bool outdir_remove_marked(const char *dir, char **err)
{
  char *path = without_trailing_slashes(dir);
  bool ok = outdir_check_target(path, err);
  int fd = ok ? open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (ok && fd < 0) {
    ok = errno == ENOENT || od_fail(err, "%s: cannot be opened: %s", dir, g_strerror(errno));
  } else if (ok) {
    char *why = NULL;
    GHashTable *marker = ot_read_marker(fd, &why);
    if (marker)
      ok = ot_remove_listed(fd, path, marker, err);
    close(fd);
    if (ok && g_rmdir(path) != 0)
      ok = od_fail(err, "%s: cannot be removed: %s", dir, g_strerror(errno));
    g_free(why);
    if (marker)
      g_hash_table_unref(marker);
  }
  g_free(path);
  return ok;
}

bool outdir_commit(const char *staged, const char *dir, char **err)
{
  char *path = without_trailing_slashes(dir);
  struct stat st;
  bool ok = outdir_mark(staged, err) && outdir_check_target(path, err) &&
            (lstat(path, &st) != 0 || outdir_remove_marked(path, err));
  if (ok && !og_rename_guarded(staged, path))
    ok = od_fail(err, "%s: cannot rename the staged output into place: %s", dir, g_strerror(errno));
  g_free(path);
  return ok;
}

void outdir_discard(const char *staged)
{
  og_remove_guarded(staged);
}

bool outdir_adopt(const char *dir, const char *relative, char **err)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return od_fail(err, "%s: cannot be opened: %s", dir, g_strerror(errno));
  char *why = NULL;
  GHashTable *marker = ot_read_marker(fd, &why);
  close(fd);
  if (marker == NULL) {
    od_fail(err, "%s: %s", dir, why ? why : "has no marker to add to");
    g_free(why);
    return false;
  }
  g_hash_table_insert(marker, g_strdup(relative), GINT_TO_POINTER('f'));
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init(&it, marker);
  while (g_hash_table_iter_next(&it, &key, &value))
    g_ptr_array_add(lines, g_strdup_printf("%c %s", GPOINTER_TO_INT(value), (const char *)key));
  g_ptr_array_sort(lines, compare_strings); /* hash order depends on addresses */
  bool ok = ot_write_marker(dir, lines, err);
  g_ptr_array_unref(lines);
  g_hash_table_unref(marker);
  return ok;
}
