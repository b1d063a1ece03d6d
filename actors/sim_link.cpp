// The few things SimGrid 3.32 offers only in C++, behind a C interface that never throws: link state and latency for the fault injector, a mailbox's receiver.
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/Mailbox.hpp>

extern "C" {
#include "sim_link.h"
}

extern "C" bool sim_link_set_on(const char *name, bool on)
{
  simgrid::s4u::Link *link = simgrid::s4u::Link::by_name_or_null(name);
  if (!link)
    return false;
  if (on)
    link->turn_on();
  else
    link->turn_off();
  return true;
}

extern "C" bool sim_link_set_latency(const char *name, double latency, double *previous)
{
  simgrid::s4u::Link *link = simgrid::s4u::Link::by_name_or_null(name);
  if (!link)
    return false;
  if (previous)
    *previous = link->get_latency();
  link->set_latency(latency);
  return true;
}

extern "C" bool sim_link_get_latency(const char *name, double *latency)
{
  simgrid::s4u::Link *link = simgrid::s4u::Link::by_name_or_null(name);
  if (!link)
    return false;
  *latency = link->get_latency();
  return true;
}

extern "C" void sim_mailbox_set_receiver(sg_mailbox_t mailbox, sg_actor_t actor)
{
  mailbox->set_receiver(simgrid::s4u::ActorPtr(actor));
}
