/* Safety invariants the fixture checks after every step (canonical/raft's style): at most one
 * primary per view, every backup's applied updates a prefix of its primary's order, no (client,
 * seq) applied twice by one replica. */
#ifndef RS_FIXTURE_INVARIANTS_H
#define RS_FIXTURE_INVARIANTS_H

#include "core/host.h"
#include "core/types.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct fx_invariants fx_invariants;

fx_invariants *fx_inv_new(void);
void fx_inv_free(fx_invariants *v);
/* Designs allowed to split their brain (peer and ordered under a partition, DESIGN.md): two
 * primaries of one view are then not a violation. */
void fx_inv_allow_split_brain(fx_invariants *v, bool allow);

/* What the replicas did, as the fixture's host hears it. */
void fx_inv_persist(fx_invariants *v, rs_node_id node, const rs_persist *rec);
void fx_inv_role(fx_invariants *v, rs_node_id node, const char *role, uint64_t view);
/* `backup` follows `primary` and holds its state: its updates must be a prefix of the primary's. */
void fx_inv_pair(fx_invariants *v, rs_node_id primary, rs_node_id backup);

/* The first violation seen (NULL: none). */
const char *fx_inv_violation(const fx_invariants *v);

#endif
