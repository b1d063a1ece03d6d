/* An export's output, staged beside its path and renamed when complete. */
#include "analysis/export_file.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

bool export_file_open(export_file *x, const char *path, char **err)
{
  x->path = g_strdup(path);
  x->staged = g_strdup_printf("%s.partial-%d", path, (int)getpid());
  x->buf = g_string_sized_new(4096);
  x->f = fopen(x->staged, "w");
  if (!x->f) {
    *err = g_strdup_printf("%s: %s", x->staged, g_strerror(errno));
    g_free(x->path);
    g_free(x->staged);
    g_string_free(x->buf, TRUE);
    return false;
  }
  return true;
}

void export_file_flush(export_file *x)
{
  if (x->buf->len)
    fwrite(x->buf->str, 1, x->buf->len, x->f);
  g_string_truncate(x->buf, 0);
}

bool export_file_close(export_file *x, bool ok, char **err)
{
  export_file_flush(x);
  bool wrote = !ferror(x->f);
  int saved = errno;
  if (fclose(x->f) != 0 && wrote) {
    wrote = false;
    saved = errno;
  }
  if (ok && !wrote) {
    *err = g_strdup_printf("%s: %s", x->path, g_strerror(saved));
    ok = false;
  }
  if (ok && g_rename(x->staged, x->path) != 0) {
    *err = g_strdup_printf("%s: %s", x->path, g_strerror(errno));
    ok = false;
  }
  if (!ok)
    g_unlink(x->staged);
  g_free(x->path);
  g_free(x->staged);
  g_string_free(x->buf, TRUE);
  return ok;
}
