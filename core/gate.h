/* Persist before acknowledge: messages that acknowledge a store change wait until it is durable. */
#ifndef RS_GATE_H
#define RS_GATE_H

#include "host.h"

#include <glib.h>

/* A node's side of durability. Every store change goes to the host through rs_gate_persist; a
 * message sent with rs_gate_send leaves only once every change handed over before it is durable
 * (at once when the host's disk is synchronous). Held messages are kept encoded, so nothing they
 * point to needs to outlive the handler. */
typedef struct rs_gate {
  const rs_host *host;
  uint64_t persisted; /* changes handed to the host so far */
  uint64_t durable;   /* changes the host reported durable */
  GQueue *held;       /* held messages, in sending order */
} rs_gate;

void rs_gate_init(rs_gate *g, const rs_host *host);
void rs_gate_clear(rs_gate *g);
void rs_gate_persist(rs_gate *g, const rs_persist *rec);
void rs_gate_send(rs_gate *g, rs_node_id to, const rs_msg *m);
/* The host made every change up to number `upto` (counted from 1 since the node started)
 * durable: the messages waiting for them leave, in order. */
void rs_gate_durable(rs_gate *g, uint64_t upto);
/* Whether a message waits for the disk. */
bool rs_gate_waiting(const rs_gate *g);

#endif
