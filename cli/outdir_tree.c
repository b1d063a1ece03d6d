/* Output-folder markers, and the walks over a folder tree that list, check and delete it. Every
 * step goes through a file descriptor opened with O_NOFOLLOW, so a symbolic link planted
 * anywhere in the tree is seen as what it is and never leads the walk elsewhere. */
#include "outdir.h"
#include "outdir_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MARKER_MAX (16 << 20) /* a marker lists a run's files: megabytes would be a forgery */

/* Sets *err unless an error is already there; returns false. */
static bool ot_fail(char **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool ot_fail(char **err, const char *fmt, ...)
{
  if (*err == NULL) {
    va_list ap;
    va_start(ap, fmt);
    *err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
  }
  return false;
}

/* strcmp for g_ptr_array_sort. */
static gint compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Opens a folder under `dirfd`, never through a symbolic link. */
static int open_dir_at(int dirfd, const char *name)
{
  return openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* The names in a folder (without "." and ".."), sorted so that walks and messages are stable. */
static GPtrArray *names_in(int dirfd)
{
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  int fd = dup(dirfd);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return names;
  }
  rewinddir(d);
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      g_ptr_array_add(names, g_strdup(e->d_name));
  closedir(d);
  g_ptr_array_sort(names, compare_strings);
  return names;
}

/* A path a marker may hold: relative, with no empty, "." or ".." component. */
static bool marker_path_ok(const char *p)
{
  if (*p == '\0' || *p == '/')
    return false;
  char **parts = g_strsplit(p, "/", -1);
  bool ok = true;
  for (char **q = parts; ok && *q; q++)
    ok = **q != '\0' && strcmp(*q, ".") != 0 && strcmp(*q, "..") != 0;
  g_strfreev(parts);
  return ok;
}

/* Reads the marker file of `dirfd` (a regular file, not too big); NULL and errno if it cannot. */
static GString *read_marker_text(int dirfd)
{
  int fd = openat(dirfd, OUTDIR_MARKER, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  GString *text = g_string_new(NULL);
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MARKER_MAX;
  char buf[8192];
  ssize_t n = 0;
  while (ok && (n = read(fd, buf, sizeof buf)) > 0) {
    g_string_append_len(text, buf, n);
    ok = text->len <= MARKER_MAX;
  }
  int saved = n < 0 ? errno : EINVAL;
  close(fd);
  if (!ok || n < 0) {
    g_string_free(text, TRUE);
    errno = saved;
    return NULL;
  }
  return text;
}

GHashTable *ot_read_marker(int dirfd, char **why)
{
  *why = NULL;
  GString *text = read_marker_text(dirfd);
  if (text == NULL) {
    if (errno != ENOENT)
      *why = g_strdup_printf("its marker %s cannot be read (%s)", OUTDIR_MARKER, g_strerror(errno));
    return NULL;
  }
  GHashTable *marker = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char **lines = g_strsplit(text->str, "\n", -1);
  bool ok = strlen(text->str) == text->len && lines[0] && strcmp(lines[0], OUTDIR_MARKER_HEADER) == 0;
  for (char **l = ok ? lines + 1 : lines; ok && *l; l++) {
    if (**l == '\0')
      continue;
    ok = ((*l)[0] == 'f' || (*l)[0] == 'd') && (*l)[1] == ' ' && marker_path_ok(*l + 2);
    if (ok)
      g_hash_table_insert(marker, g_strdup(*l + 2), GINT_TO_POINTER((*l)[0]));
  }
  g_strfreev(lines);
  g_string_free(text, TRUE);
  if (!ok) {
    g_hash_table_unref(marker);
    *why = g_strdup_printf("its marker %s is damaged (not one replsim wrote)", OUTDIR_MARKER);
    return NULL;
  }
  return marker;
}

static bool check_at(int dirfd, const char *shown, GHashTable *marker, const char *prefix, char **err);

/* A folder the marker does not list is acceptable only as an output folder of its own. */
static bool check_nested(int fd, const char *shown, const char *rel, char **err)
{
  char *why = NULL;
  GHashTable *nested = ot_read_marker(fd, &why);
  if (nested == NULL) {
    ot_fail(err, "%s: holds %s/, which replsim did not write%s%s", shown, rel, why ? ": " : "", why ? why : "");
    g_free(why);
    return false;
  }
  char *nested_shown = g_build_filename(shown, rel, NULL);
  bool ok = check_at(fd, nested_shown, nested, NULL, err);
  g_free(nested_shown);
  g_hash_table_unref(nested);
  return ok;
}

/* One entry: a listed file, a listed folder (whose entries are checked in turn), or a marked folder. */
static bool check_entry(int dirfd, const char *name, const char *rel, const char *shown, GHashTable *marker,
                        char **err)
{
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
    return ot_fail(err, "%s: %s cannot be inspected: %s", shown, rel, g_strerror(errno));
  int listed = GPOINTER_TO_INT(g_hash_table_lookup(marker, rel));
  if (S_ISREG(st.st_mode) && listed == 'f')
    return true;
  if (S_ISDIR(st.st_mode)) {
    int fd = open_dir_at(dirfd, name);
    if (fd < 0)
      return ot_fail(err, "%s: %s cannot be opened: %s", shown, rel, g_strerror(errno));
    bool ok = listed == 'd' ? check_at(fd, shown, marker, rel, err) : check_nested(fd, shown, rel, err);
    close(fd);
    return ok;
  }
  return ot_fail(err, "%s: holds %s, which replsim did not write%s", shown, rel,
                 S_ISLNK(st.st_mode) ? " (a symbolic link)" : S_ISREG(st.st_mode) ? "" : " (not a regular file)");
}

/* Every entry of one folder; `prefix` is its path inside the marked folder (NULL at the top,
 * where the marker itself lives). */
static bool check_at(int dirfd, const char *shown, GHashTable *marker, const char *prefix, char **err)
{
  GPtrArray *names = names_in(dirfd);
  bool ok = true;
  for (guint i = 0; ok && i < names->len; i++) {
    const char *name = names->pdata[i];
    if (prefix == NULL && strcmp(name, OUTDIR_MARKER) == 0)
      continue;
    char *rel = prefix ? g_strconcat(prefix, "/", name, NULL) : g_strdup(name);
    ok = check_entry(dirfd, name, rel, shown, marker, err);
    g_free(rel);
  }
  g_ptr_array_unref(names);
  return ok;
}

bool ot_check(int dirfd, const char *shown, GHashTable *marker, char **err)
{
  return check_at(dirfd, shown, marker, NULL, err);
}

static bool remove_at(int dirfd, const char *shown, GHashTable *marker, const char *prefix, char **err);

/* A folder: listed (its listed entries go, then the folder if empty), or marked on its own. */
static bool remove_folder(int dirfd, const char *name, const char *rel, const char *shown, GHashTable *marker,
                          bool listed, char **err)
{
  int fd = open_dir_at(dirfd, name);
  if (fd < 0)
    return ot_fail(err, "%s: %s cannot be opened: %s", shown, rel, g_strerror(errno));
  bool ok;
  if (listed) {
    ok = remove_at(fd, shown, marker, rel, err);
  } else {
    char *why = NULL;
    GHashTable *nested = ot_read_marker(fd, &why);
    char *nested_shown = g_build_filename(shown, rel, NULL);
    ok = nested ? ot_remove_listed(fd, nested_shown, nested, err)
                : ot_fail(err, "%s: holds %s/, which replsim did not write", shown, rel);
    g_free(nested_shown);
    g_free(why);
    if (nested)
      g_hash_table_unref(nested);
  }
  close(fd);
  if (ok && unlinkat(dirfd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
    ok = ot_fail(err, "%s: %s cannot be removed: %s", shown, rel, g_strerror(errno));
  return ok;
}

/* Deletes what the marker lists in one folder, stopping at the first entry it does not list. */
static bool remove_at(int dirfd, const char *shown, GHashTable *marker, const char *prefix, char **err)
{
  GPtrArray *names = names_in(dirfd);
  bool ok = true;
  for (guint i = 0; ok && i < names->len; i++) {
    const char *name = names->pdata[i];
    if (prefix == NULL && strcmp(name, OUTDIR_MARKER) == 0)
      continue;
    char *rel = prefix ? g_strconcat(prefix, "/", name, NULL) : g_strdup(name);
    struct stat st;
    int listed = GPOINTER_TO_INT(g_hash_table_lookup(marker, rel));
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      ok = errno == ENOENT || ot_fail(err, "%s: %s cannot be inspected: %s", shown, rel, g_strerror(errno));
    else if (S_ISREG(st.st_mode) && listed == 'f')
      ok = unlinkat(dirfd, name, 0) == 0 || errno == ENOENT ||
           ot_fail(err, "%s: %s cannot be removed: %s", shown, rel, g_strerror(errno));
    else if (S_ISDIR(st.st_mode))
      ok = remove_folder(dirfd, name, rel, shown, marker, listed == 'd', err);
    else
      ok = ot_fail(err, "%s: holds %s, which replsim did not write (left in place)", shown, rel);
    g_free(rel);
  }
  g_ptr_array_unref(names);
  return ok;
}

bool ot_remove_listed(int dirfd, const char *shown, GHashTable *marker, char **err)
{
  if (!remove_at(dirfd, shown, marker, NULL, err))
    return false;
  if (unlinkat(dirfd, OUTDIR_MARKER, 0) != 0 && errno != ENOENT)
    return ot_fail(err, "%s: its marker cannot be removed: %s", shown, g_strerror(errno));
  return true;
}

/* Whether a folder carries a marker file (valid or not: it is someone's output folder). */
static bool has_marker(int dirfd)
{
  struct stat st;
  return fstatat(dirfd, OUTDIR_MARKER, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The marker lines for one folder and what is under it (list_at's recursion). */
static void list_at(int dirfd, const char *prefix, GPtrArray *lines)
{
  GPtrArray *names = names_in(dirfd);
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    if (prefix == NULL && g_str_has_prefix(name, OUTDIR_MARKER))
      continue; /* the marker, and the temporary file it is written through */
    char *rel = prefix ? g_strconcat(prefix, "/", name, NULL) : g_strdup(name);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
      g_ptr_array_add(lines, g_strconcat("f ", rel, NULL));
    } else if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      int fd = open_dir_at(dirfd, name);
      if (fd >= 0 && !has_marker(fd)) {
        g_ptr_array_add(lines, g_strconcat("d ", rel, NULL));
        list_at(fd, rel, lines);
      }
      if (fd >= 0)
        close(fd);
    }
    g_free(rel);
  }
  g_ptr_array_unref(names);
}

GPtrArray *ot_list(int dirfd)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  list_at(dirfd, NULL, lines);
  g_ptr_array_sort(lines, compare_strings);
  return lines;
}

bool ot_write_marker(const char *dir, GPtrArray *lines, char **err)
{
  GString *text = g_string_new(OUTDIR_MARKER_HEADER "\n");
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf(text, "%s\n", (const char *)lines->pdata[i]);
  char *path = g_build_filename(dir, OUTDIR_MARKER, NULL);
  GError *e = NULL;
  bool ok = g_file_set_contents_full(path, text->str, (gssize)text->len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &e);
  if (!ok) {
    ot_fail(err, "%s: cannot be written: %s", path, e->message);
    g_error_free(e);
  }
  g_free(path);
  g_string_free(text, TRUE);
  return ok;
}

/* --- for signal handlers ------------------------------------------------------------------- */

/* The kernel's directory entry; getdents64 is the one way to read a folder that allocates
 * nothing (readdir may call malloc, which a signal handler must not). */
struct ot_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* "." and "..", tested without strcmp (for signal handlers). */
static bool is_dot_or_dotdot(const char *n)
{
  return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* Removes `name` under `parent`: a folder with everything in it, anything else by unlinking it.
 * Entries removed while the folder is being read can hide others, so it is read again until a
 * pass finds nothing (at most a hundred passes, in case something cannot be removed). */
static void remove_at_signal_safe(int parent, const char *name, int depth)
{
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT)
      unlinkat(parent, name, 0); /* a file or a symbolic link: the link itself goes */
    return;
  }
  if (depth < 32) {
    _Alignas(8) char buf[4096];
    for (int pass = 0; pass < 100; pass++) {
      bool seen = false;
      lseek(fd, 0, SEEK_SET);
      long n;
      while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long off = 0; off < n;) {
          struct ot_dirent64 *e = (struct ot_dirent64 *)(void *)(buf + off);
          off += e->d_reclen;
          if (is_dot_or_dotdot(e->d_name))
            continue;
          seen = true;
          remove_at_signal_safe(fd, e->d_name, depth + 1);
        }
      }
      if (!seen)
        break;
    }
  }
  close(fd);
  unlinkat(parent, name, AT_REMOVEDIR);
}

void ot_remove_tree_signal_safe(const char *path)
{
  remove_at_signal_safe(AT_FDCWD, path, 0);
}
