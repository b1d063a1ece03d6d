/* The replica store and its snapshot: app bytes, update index, epoch and at-most-once table
 * together, so a state transfer moves them at once. Format: u64 last_index, u64 epoch, u64 app
 * length, app snapshot, then the dedup table (rs_dedup's own format). Little-endian,
 * bounds-checked. */
#include "store.h"
#include "wire.h"

#include <string.h>

rs_store *rs_store_new(const rs_app_ops *ops)
{
  rs_store *s = g_new0(rs_store, 1);
  s->app = rs_app_new(ops);
  s->dedup = rs_dedup_new();
  return s;
}

void rs_store_free(rs_store *s)
{
  if (!s)
    return;
  rs_app_free(s->app);
  rs_dedup_free(s->dedup);
  g_free(s);
}

void rs_store_snapshot(const rs_store *s, GByteArray *out)
{
  rs_put_le(out, s->last_index, 8);
  rs_put_le(out, s->epoch, 8);
  guint at = out->len;
  rs_put_le(out, 0, 8); /* the app's length, known once it is written */
  s->app->ops->snapshot(s->app->state, out);
  uint64_t app_len = out->len - at - 8;
  for (int i = 0; i < 8; i++)
    out->data[at + (guint)i] = (uint8_t)(app_len >> (8 * i));
  rs_dedup_snapshot(s->dedup, out);
}

bool rs_store_restore(rs_store *s, const uint8_t *buf, size_t len)
{
  rs_reader r = rs_reader_of(buf, len);
  uint64_t index, epoch, app_len;
  const uint8_t *app;
  if (!rs_get_le(&r, 8, &index) || !rs_get_le(&r, 8, &epoch) || !rs_get_le(&r, 8, &app_len) ||
      !rs_get_raw(&r, (size_t)app_len, &app))
    return false;
  rs_dedup *dedup = rs_dedup_new();
  if (!rs_dedup_restore(dedup, r.p, (size_t)(r.end - r.p)) || !s->app->ops->restore(s->app->state, app, app_len)) {
    rs_dedup_free(dedup);
    return false;
  }
  rs_dedup_free(s->dedup);
  s->dedup = dedup;
  s->last_index = index;
  s->epoch = epoch;
  return true;
}

void rs_store_report(const rs_store *s, const rs_host *host, const char *const *keys, size_t n_keys, bool current)
{
  const rs_app *app = s->app;
  rs_op read = {.kind = app->ops->read_kind};
  for (size_t i = 0; i < n_keys; i++) {
    read.key = rs_bytes_str(keys[i]);
    rs_result res;
    app->ops->execute(app->state, &read, 0, RS_APPLY_ORDERED, &res);
    rs_event ev = {.type = RS_EV_FINAL, .op = &read, .res = &res};
    rs_emit(host, &ev);
  }
  rs_event ev = {.type = RS_EV_DIGEST, .digest = app->ops->digest(app->state), .current = current};
  rs_emit(host, &ev);
}
