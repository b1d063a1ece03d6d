/* The TCP transport: non-blocking GSockets with GLib sources, frame parsing, routes, backoff. */
#include "transport.h"

#include <gio/gio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#define OUT_LIMIT (32u << 20)   /* bytes a connection may hold unsent before frames are dropped */
#define BACKOFF_FIRST 0.02      /* seconds before the first redial */
#define BACKOFF_MAX 0.5         /* ...doubling up to this */
#define READ_CHUNK 65536

typedef struct conn {
  net_transport *t;
  GSocket *sock;
  GSource *in_src, *out_src;
  GByteArray *in, *out;
  gsize out_off;
  bool connecting;
  bool outgoing;
  bool dead;
  bool dirty;          /* in t->dirty: frames queued since the last flush */
  rs_node_id peer;     /* outgoing: the server dialled */
} conn;

typedef struct self_msg {
  rs_node_id from, to;
  uint64_t id;
  GByteArray *bytes;
} self_msg;

struct net_transport {
  const net_key *key;
  const net_addrs *addrs;
  net_transport_cb cb;
  bool *local;          /* by id */
  conn **dialled;       /* by id: the outgoing connection to that server */
  double *retry_at;     /* by id: no dial before then (monotonic seconds) */
  double *backoff;      /* by id */
  conn **route;         /* by id: the connection a non-dialled node was last heard on */
  GPtrArray *conns;
  GSocket *listener;
  GSource *listen_src;
  GQueue *self_q;
  guint self_idle;
  GByteArray *scratch;
  rs_node_id first_local;
  rs_node_id *locals;
  guint n_local;
  GPtrArray *dirty;     /* connections with frames queued during this turn of the loop */
  GSource *flusher;
};

/* The flusher runs first in every turn of the main loop, before the poll: it writes the frames
 * queued during the turn before straight to their sockets, so they leave together without a poll
 * for writability or a source per connection (a socket that cannot take them all gets one). */
typedef struct flusher {
  GSource src;
  net_transport *t;
} flusher;

static void flush_dirty(net_transport *t);

static gboolean flusher_prepare(GSource *s, gint *timeout)
{
  *timeout = -1;
  net_transport *t = ((flusher *)s)->t;
  if (t->cb.turn_end)
    t->cb.turn_end(t->cb.ctx);
  flush_dirty(t);
  return FALSE;
}

static gboolean flusher_check(GSource *s)
{
  (void)s;
  return FALSE;
}

static gboolean flusher_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
  (void)s;
  (void)cb;
  (void)data;
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flusher_funcs = {.prepare = flusher_prepare, .check = flusher_check, .dispatch = flusher_dispatch};

static double mono(void)
{
  return (double)g_get_monotonic_time() / 1e6;
}

static void conn_close(conn *c);
static void want_write(conn *c);

static void set_nodelay(GSocket *s)
{
  g_socket_set_option(s, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

net_transport *net_transport_new(const net_key *key, const net_addrs *addrs, const rs_node_id *local, guint n_local,
                                 const net_transport_cb *cb)
{
  net_transport *t = g_new0(net_transport, 1);
  t->key = key;
  t->addrs = addrs;
  t->cb = *cb;
  t->local = g_new0(bool, addrs->n);
  t->dialled = g_new0(conn *, addrs->n);
  t->retry_at = g_new0(double, addrs->n);
  t->backoff = g_new0(double, addrs->n);
  t->route = g_new0(conn *, addrs->n);
  t->conns = g_ptr_array_new();
  t->self_q = g_queue_new();
  t->scratch = g_byte_array_new();
  t->locals = g_memdup2(local, n_local * sizeof *local);
  t->n_local = n_local;
  t->dirty = g_ptr_array_new();
  /* The highest priority, so that GLib prepares it even in a turn where other sources are ready. */
  t->flusher = g_source_new(&flusher_funcs, sizeof(flusher));
  ((flusher *)t->flusher)->t = t;
  g_source_set_priority(t->flusher, G_PRIORITY_HIGH);
  g_source_attach(t->flusher, NULL);
  for (guint i = 0; i < n_local; i++)
    if (local[i] < addrs->n)
      t->local[local[i]] = true;
  return t;
}

static void free_self(gpointer p)
{
  self_msg *m = p;
  g_byte_array_free(m->bytes, TRUE);
  g_free(m);
}

void net_transport_free(net_transport *t)
{
  if (!t)
    return;
  while (t->conns->len)
    conn_close(g_ptr_array_index(t->conns, 0));
  if (t->listen_src) {
    g_source_destroy(t->listen_src);
    g_source_unref(t->listen_src);
  }
  if (t->listener) {
    g_socket_close(t->listener, NULL);
    g_object_unref(t->listener);
  }
  if (t->self_idle)
    g_source_remove(t->self_idle);
  g_source_destroy(t->flusher);
  g_source_unref(t->flusher);
  g_ptr_array_free(t->dirty, TRUE);
  g_queue_free_full(t->self_q, free_self);
  g_ptr_array_free(t->conns, TRUE);
  g_byte_array_free(t->scratch, TRUE);
  g_free(t->local);
  g_free(t->dialled);
  g_free(t->retry_at);
  g_free(t->backoff);
  g_free(t->route);
  g_free(t->locals);
  g_free(t);
}

gsize net_transport_pending(const net_transport *t)
{
  gsize n = g_queue_get_length(t->self_q);
  for (guint i = 0; i < t->conns->len; i++) {
    const conn *c = g_ptr_array_index(t->conns, i);
    n += c->out->len - c->out_off;
  }
  return n;
}

static void drop_source(GSource **s)
{
  if (*s) {
    g_source_destroy(*s);
    g_source_unref(*s);
    *s = NULL;
  }
}

/* Forgets a connection: its routes, its dial slot (with backoff for the next dial), its socket. */
static void conn_close(conn *c)
{
  net_transport *t = c->t;
  drop_source(&c->in_src);
  drop_source(&c->out_src);
  if (c->dirty)
    g_ptr_array_remove_fast(t->dirty, c);
  if (c->outgoing && c->peer < t->addrs->n && t->dialled[c->peer] == c) {
    t->dialled[c->peer] = NULL;
    double b = t->backoff[c->peer];
    b = b <= 0 ? BACKOFF_FIRST : MIN(b * 2, BACKOFF_MAX);
    t->backoff[c->peer] = b;
    t->retry_at[c->peer] = mono() + b;
  }
  for (guint i = 0; i < t->addrs->n; i++)
    if (t->route[i] == c)
      t->route[i] = NULL;
  g_socket_close(c->sock, NULL);
  g_object_unref(c->sock);
  g_byte_array_free(c->in, TRUE);
  g_byte_array_free(c->out, TRUE);
  g_ptr_array_remove_fast(t->conns, c);
  g_free(c);
}

static conn *conn_new(net_transport *t, GSocket *sock, bool outgoing, rs_node_id peer)
{
  conn *c = g_new0(conn, 1);
  c->t = t;
  c->sock = sock;
  c->outgoing = outgoing;
  c->peer = peer;
  c->in = g_byte_array_new();
  c->out = g_byte_array_new();
  g_ptr_array_add(t->conns, c);
  return c;
}

/* --- receiving ---------------------------------------------------------------------------- */

static bool is_server(const net_transport *t, rs_node_id id)
{
  return id < t->addrs->n && t->addrs->by_id[id].address != NULL;
}

/* A HELLO names the nodes that speak on this connection, so replies can find them at once. */
static void on_hello(net_transport *t, conn *c, const net_frame *f)
{
  for (size_t i = 0; i + 4 <= f->len; i += 4) {
    const uint8_t *p = f->payload + i;
    rs_node_id id = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    if (id < t->addrs->n && !t->local[id])
      t->route[id] = c;
  }
}

static void on_frame(net_transport *t, conn *c, const net_frame *f)
{
  if (f->from >= t->addrs->n) {
    t->cb.refuse(t->cb.ctx, RS_NO_NODE, f->to < t->addrs->n ? f->to : RS_NO_NODE, "unknown sender id");
    return;
  }
  if (t->local[f->from]) {
    t->cb.refuse(t->cb.ctx, f->from, RS_NO_NODE, "a frame claims to come from this very node");
    return;
  }
  if (f->kind == NET_FRAME_HELLO) {
    on_hello(t, c, f);
    return;
  }
  if (f->to >= t->addrs->n || !t->local[f->to]) {
    t->cb.refuse(t->cb.ctx, f->from, RS_NO_NODE, "a frame for another node");
    return;
  }
  if (!c->outgoing || !is_server(t, f->from))
    t->route[f->from] = c;
  t->cb.deliver(t->cb.ctx, f->from, f->to, f->id, f->payload, f->len);
}

/* Parses every whole frame read so far; false when the stream is broken (close it). */
static bool parse_in(net_transport *t, conn *c)
{
  gsize at = 0;
  bool ok = true;
  while (ok && !c->dead) {
    net_frame f;
    gsize used = 0;
    const char *why = NULL;
    net_parse p = net_frame_parse(c->in->data + at, c->in->len - at, t->key, &f, &used, &why);
    if (p == NET_PARSE_MORE)
      break;
    if (p == NET_PARSE_BROKEN) {
      t->cb.refuse(t->cb.ctx, RS_NO_NODE, RS_NO_NODE, why);
      ok = false;
      break;
    }
    if (p == NET_PARSE_REFUSED)
      t->cb.refuse(t->cb.ctx, RS_NO_NODE, RS_NO_NODE, why);
    else
      on_frame(t, c, &f);
    at += used;
  }
  if (at)
    g_byte_array_remove_range(c->in, 0, (guint)at);
  return ok && !c->dead;
}

static gboolean on_readable(GSocket *sock, GIOCondition cond, gpointer data)
{
  (void)sock;
  (void)cond;
  conn *c = data;
  net_transport *t = c->t;
  for (;;) {
    guint at = c->in->len;
    g_byte_array_set_size(c->in, at + READ_CHUNK);
    GError *e = NULL;
    gssize n = g_socket_receive(c->sock, (gchar *)c->in->data + at, READ_CHUNK, NULL, &e);
    g_byte_array_set_size(c->in, at + (n > 0 ? (guint)n : 0));
    if (n < 0 && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free(e);
      break;
    }
    if (e)
      g_error_free(e);
    if (n <= 0 || !parse_in(t, c)) {
      g_source_unref(c->in_src);
      c->in_src = NULL; /* this source ends as the callback returns */
      conn_close(c);
      return G_SOURCE_REMOVE;
    }
  }
  return G_SOURCE_CONTINUE;
}

static void watch_in(conn *c)
{
  c->in_src = g_socket_create_source(c->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback(c->in_src, (GSourceFunc)(void (*)(void))on_readable, c, NULL);
  g_source_attach(c->in_src, NULL);
}

/* --- sending -------------------------------------------------------------------------------- */

static gboolean on_writable(GSocket *sock, GIOCondition cond, gpointer data)
{
  (void)sock;
  (void)cond;
  conn *c = data;
  if (c->connecting) {
    GError *e = NULL;
    if (!g_socket_check_connect_result(c->sock, &e)) {
      g_error_free(e);
      g_source_unref(c->out_src);
      c->out_src = NULL;
      conn_close(c);
      return G_SOURCE_REMOVE;
    }
    c->connecting = false;
    c->t->backoff[c->peer] = 0;
    watch_in(c);
  }
  while (c->out_off < c->out->len) {
    GError *e = NULL;
    gssize n = g_socket_send(c->sock, (const gchar *)c->out->data + c->out_off, c->out->len - c->out_off, NULL, &e);
    if (n < 0 && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free(e);
      return G_SOURCE_CONTINUE;
    }
    if (n < 0) {
      g_error_free(e);
      g_source_unref(c->out_src);
      c->out_src = NULL;
      conn_close(c);
      return G_SOURCE_REMOVE;
    }
    c->out_off += (gsize)n;
  }
  g_byte_array_set_size(c->out, 0);
  c->out_off = 0;
  g_source_unref(c->out_src);
  c->out_src = NULL;
  return G_SOURCE_REMOVE;
}

/* The socket is polled for writing once there is something to write (or a connect to finish):
 * frames queued during one turn of the loop leave together. */
static void want_write(conn *c)
{
  if (c->out_src)
    return;
  c->out_src = g_socket_create_source(c->sock, G_IO_OUT | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback(c->out_src, (GSourceFunc)(void (*)(void))on_writable, c, NULL);
  g_source_attach(c->out_src, NULL);
}

/* Writes what each dirty connection holds; what a socket does not take (or an error, which
 * on_writable then meets and closes) waits for the socket to be writable. Nothing is closed here:
 * this runs inside GLib's prepare step. */
static void flush_dirty(net_transport *t)
{
  for (guint i = 0; i < t->dirty->len; i++) {
    conn *c = g_ptr_array_index(t->dirty, i);
    c->dirty = false;
    while (!c->out_src && !c->connecting && c->out_off < c->out->len) {
      gssize n = g_socket_send(c->sock, (const gchar *)c->out->data + c->out_off, c->out->len - c->out_off, NULL, NULL);
      if (n <= 0)
        want_write(c);
      else
        c->out_off += (gsize)n;
    }
    if (!c->out_src && c->out_off == c->out->len) {
      g_byte_array_set_size(c->out, 0);
      c->out_off = 0;
    }
  }
  g_ptr_array_set_size(t->dirty, 0);
}

void net_transport_flush(net_transport *t)
{
  flush_dirty(t);
}

/* Frames for `c` leave at the start of the next turn of the loop (flush_dirty), or with the
 * writable source already waiting. */
static void mark_dirty(conn *c)
{
  if (c->dirty || c->out_src || c->connecting)
    return;
  c->dirty = true;
  g_ptr_array_add(c->t->dirty, c);
}

static GSocketAddress *socket_address(const char *address, guint16 port)
{
  GInetAddress *ip = g_inet_address_new_from_string(address);
  if (!ip)
    return NULL;
  GSocketAddress *a = g_inet_socket_address_new(ip, port);
  g_object_unref(ip);
  return a;
}

static void put_u32(GByteArray *out, uint32_t v)
{
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  g_byte_array_append(out, b, 4);
}

/* Starts a connection to server `to`; its first frame says which local nodes speak on it. */
static conn *dial(net_transport *t, rs_node_id to)
{
  const net_addr *a = &t->addrs->by_id[to];
  GSocketAddress *sa = socket_address(a->address, a->port);
  if (!sa)
    return NULL;
  GSocket *s = g_socket_new(g_socket_address_get_family(sa), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (!s) {
    g_object_unref(sa);
    return NULL;
  }
  g_socket_set_blocking(s, FALSE);
  set_nodelay(s);
  conn *c = conn_new(t, s, true, to);
  t->dialled[to] = c;
  GError *e = NULL;
  bool done = g_socket_connect(s, sa, NULL, &e);
  g_object_unref(sa);
  if (!done && !g_error_matches(e, G_IO_ERROR, G_IO_ERROR_PENDING)) {
    g_error_free(e);
    c->dead = true; /* closed at once: the caller sees no connection */
    conn_close(c);
    return NULL;
  }
  if (e)
    g_error_free(e);
  c->connecting = true;
  g_byte_array_set_size(t->scratch, 0);
  for (guint i = 0; i < t->n_local; i++)
    put_u32(t->scratch, t->locals[i]);
  net_frame_append(c->out, t->key, NET_FRAME_HELLO, t->locals[0], to, 0, t->scratch->data, t->scratch->len);
  want_write(c);
  return c;
}

static gboolean deliver_self(gpointer data)
{
  net_transport *t = data;
  t->self_idle = 0;
  self_msg *m;
  while ((m = g_queue_pop_head(t->self_q))) {
    t->cb.deliver(t->cb.ctx, m->from, m->to, m->id, m->bytes->data, m->bytes->len);
    free_self(m);
  }
  return G_SOURCE_REMOVE;
}

bool net_transport_send(net_transport *t, rs_node_id from, rs_node_id to, uint64_t id, const uint8_t *bytes,
                        size_t len)
{
  if (to >= t->addrs->n || len > NET_FRAME_MAX_PAYLOAD)
    return false;
  if (t->local[to]) {
    self_msg *m = g_new(self_msg, 1);
    m->from = from;
    m->to = to;
    m->id = id;
    m->bytes = g_byte_array_sized_new((guint)len);
    g_byte_array_append(m->bytes, bytes, (guint)len);
    g_queue_push_tail(t->self_q, m);
    if (!t->self_idle)
      t->self_idle = g_idle_add(deliver_self, t);
    return true;
  }
  conn *c;
  if (is_server(t, to)) {
    c = t->dialled[to];
    if (!c && mono() < t->retry_at[to])
      return false;
    if (!c)
      c = dial(t, to);
  } else {
    c = t->route[to];
  }
  if (!c || c->dead || c->out->len - c->out_off > OUT_LIMIT)
    return false;
  net_frame_append(c->out, t->key, NET_FRAME_MSG, from, to, id, bytes, len);
  mark_dirty(c);
  return true;
}

/* --- listening ------------------------------------------------------------------------------ */

static gboolean on_accept(GSocket *sock, GIOCondition cond, gpointer data)
{
  (void)cond;
  net_transport *t = data;
  for (;;) {
    GError *e = NULL;
    GSocket *s = g_socket_accept(sock, NULL, &e);
    if (!s) {
      g_error_free(e);
      break;
    }
    g_socket_set_blocking(s, FALSE);
    set_nodelay(s);
    conn *c = conn_new(t, s, false, RS_NO_NODE);
    watch_in(c);
  }
  return G_SOURCE_CONTINUE;
}

bool net_transport_listen(net_transport *t, const char *address, guint16 port, char **err)
{
  GSocketAddress *sa = socket_address(address, port);
  if (!sa) {
    *err = g_strdup_printf("%s: not an IP address", address);
    return false;
  }
  GError *e = NULL;
  GSocket *s = g_socket_new(g_socket_address_get_family(sa), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &e);
  if (s && g_socket_bind(s, sa, TRUE, &e) && g_socket_listen(s, &e)) {
    g_object_unref(sa);
    g_socket_set_blocking(s, FALSE);
    t->listener = s;
    t->listen_src = g_socket_create_source(s, G_IO_IN, NULL);
    g_source_set_callback(t->listen_src, (GSourceFunc)(void (*)(void))on_accept, t, NULL);
    g_source_attach(t->listen_src, NULL);
    return true;
  }
  *err = g_strdup_printf("%s:%u: cannot listen: %s", address, port, e ? e->message : "unknown error");
  if (e)
    g_error_free(e);
  if (s)
    g_object_unref(s);
  g_object_unref(sa);
  return false;
}
