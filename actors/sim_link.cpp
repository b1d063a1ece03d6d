// Link state and latency for the fault injector: SimGrid 3.32's C API cannot turn a link off.
#include <simgrid/s4u/Link.hpp>

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
