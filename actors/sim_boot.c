/* A node's life in the harness: its core node is made at start (and again after a restart,
 * from the store that survived), and is lost, with everything in memory, when its host crashes. */
#include "sim_world.h"

#include <simgrid/engine.h>

/* Makes the core node of this life. A replica keeps its store across lives; a client goes on
 * with the operations its earlier lives had not run. */
void sim_node_boot(sim_node *n)
{
  hl_node_boot(&n->base, &n->world->run, &n->core_host);
}

/* Loses what the node had in memory: its core node, its timers, messages it had not yet put on
 * the wire, and messages on their way to it (they are dropped now: their receiver is gone). The
 * store stays. The host's actors were killed by SimGrid when the host went off. */
void sim_node_crash(sim_node *n)
{
  sim_world *w = n->world;
  if (!n->up)
    return;
  hl_node_down(&n->base);
  for (guint i = 0; i < n->outbox->len; i++)
    sim_drop(w, g_ptr_array_index(n->outbox, i), "crashed");
  g_ptr_array_set_size(n->outbox, 0);
  sim_packet *held;
  while ((held = g_queue_pop_head(n->delayed))) {
    w->held_back--;
    sim_drop(w, held, "crashed");
  }
  n->timer_actor_waiting = false;
  for (sim_packet *p = w->wire; p; p = p->next)
    if (p->to == n->id && p->started && !p->dead)
      sim_drop(w, p, "crashed");
  hl_node_forget(&n->base, &w->run, simgrid_get_clock());
}

/* A host goes down: SimGrid kills every actor on it, and every node there loses its memory. The
 * run's controller is no node: if it ran there, it goes on elsewhere. */
void sim_host_crash(sim_world *w, sg_host_t host)
{
  if (sg_host_is_on(host))
    sg_host_turn_off(host);
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->host == host)
      sim_node_crash(n);
  }
  if (w->controller_host == host) {
    w->controller_host = NULL;
    sim_controller_spawn(w);
  }
}

/* A host comes back: every node it ran starts again from its store. */
void sim_host_boot(sim_world *w, sg_host_t host)
{
  if (!sg_host_is_on(host))
    sg_host_turn_on(host);
  for (guint i = 0; i < w->nodes->len; i++) {
    sim_node *n = g_ptr_array_index(w->nodes, i);
    if (n->host == host && !n->up && !n->joining && n->booted_once) {
      sim_node_boot(n);
      sim_actors_spawn(n);
    }
  }
  if (!w->controller_host)
    sim_controller_spawn(w);
}
