/* The persist-before-acknowledge gate of core/gate.h. */
#include "gate.h"

typedef struct held_msg {
  uint64_t after; /* leaves once this many changes are durable */
  rs_node_id to;
  GByteArray *bytes;
} held_msg;

void rs_gate_init(rs_gate *g, const rs_host *host)
{
  *g = (rs_gate){.host = host, .held = g_queue_new()};
}

static void free_held(gpointer p)
{
  held_msg *h = p;
  g_byte_array_free(h->bytes, TRUE);
  g_free(h);
}

void rs_gate_clear(rs_gate *g)
{
  if (g->held)
    g_queue_free_full(g->held, free_held);
  g->held = NULL;
}

/* Hands one change to the host; a host without a disk, or a synchronous one, makes it durable
 * at once. */
void rs_gate_persist(rs_gate *g, const rs_persist *rec)
{
  g->persisted++;
  if (!g->host->persist || g->host->persist(g->host->ctx, rec))
    g->durable = g->persisted;
}

/* Sends now if everything handed over is durable, else keeps an encoded copy until it is; a held
 * message also holds back every later one, so acknowledgements leave in the order they were made. */
void rs_gate_send(rs_gate *g, rs_node_id to, const rs_msg *m)
{
  if (g->durable >= g->persisted && g_queue_is_empty(g->held)) {
    rs_send(g->host, to, m);
    return;
  }
  held_msg *h = g_new(held_msg, 1);
  h->after = g->persisted;
  h->to = to;
  h->bytes = g_byte_array_new();
  rs_msg_encode(m, h->bytes);
  g_queue_push_tail(g->held, h);
}

void rs_gate_durable(rs_gate *g, uint64_t upto)
{
  if (upto > g->durable)
    g->durable = upto < g->persisted ? upto : g->persisted;
  held_msg *h;
  while ((h = g_queue_peek_head(g->held)) && h->after <= g->durable) {
    g_queue_pop_head(g->held);
    rs_msg m;
    const char *err = NULL;
    /* The bytes are this node's own encoding: decoding them cannot fail. */
    if (rs_msg_decode(h->bytes->data, h->bytes->len, &m, &err))
      rs_send(g->host, h->to, &m);
    free_held(h);
  }
}

bool rs_gate_waiting(const rs_gate *g)
{
  return !g_queue_is_empty(g->held);
}
