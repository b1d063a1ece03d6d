/* The registry (seed 004): replicas register, the first is primary, clients get replica lists. */
#ifndef RS_REGISTRY_H
#define RS_REGISTRY_H

#include "host.h"

typedef struct rs_registry_config {
  rs_node_id self;
  bool quorum;                 /* quorum protocol: no primary, random Nr/Nw lists */
  uint32_t expected_replicas;  /* N: clients are answered once this many have registered */
  uint32_t read_quorum;        /* Nr */
  uint32_t write_quorum;       /* Nw */
} rs_registry_config;

typedef struct rs_registry rs_registry;

rs_registry *rs_registry_new(const rs_registry_config *cfg, const rs_host *host);
void rs_registry_free(rs_registry *r);
void rs_registry_handle(rs_registry *r, rs_node_id from, const rs_msg *m);

/* Seed 004's rule, checked by the registry at start: Nr + Nw > N and Nw > N/2. */
bool rs_quorum_valid(uint32_t n, uint32_t nr, uint32_t nw, const char **why);

#endif
