/* A voter of seed 002's poll: votes on the ballots the primary opens, sends each vote to every
 * server it knows (primary and backup), and logs each ballot's result exactly once, in order. */
#ifndef RS_VOTER_H
#define RS_VOTER_H

#include "host.h"

/* Timers (a voter is a node of its own: no clash with other kinds). */
enum { VOTER_TIMER_RETRY = 1, VOTER_TIMER_GAP = 2 };

typedef struct rs_voter_config {
  rs_node_id self;
  double yes;          /* probability of voting yes on a ballot (drawn from the node's generator) */
  double timeout;      /* seconds before a vote is sent again (<= 0: 1) */
  int attempts;        /* sends before a vote ends as unknown (info) (<= 0: 5) */
  double gap_wait;     /* seconds a result waits for an earlier ballot's before it is logged with
                        * the gap left open (<= 0: 10) */
  uint32_t n_servers;  /* the vote servers, both at first (seed 002: votes go to both) */
  rs_node_id servers[RS_MAX_NODES];
} rs_voter_config;

typedef struct rs_voter rs_voter;

/*
 * On the wire:
 *   BALLOT (seq, origin = opener) from a server: the voter draws yes/no and queues a vote; it
 *     votes once per ballot id (seq, opener): a repeated BALLOT changes nothing.
 *   REQUEST (client = self, seq = its own counter, op vote key = ballot, name = voter id, value =
 *     yes/no, expected = opener) to every server it knows, and to the BALLOT's sender; one vote at
 *     a time (the at-most-once table keeps one request per client); resent on a timeout.
 *   REPLY: SUCCESS or BALLOT CLOSED ends the vote; NOT PRIMARY (a backup not forwarding) is not
 *     an answer.
 *   VIEW (view = epoch, node = primary, nodes = backups holding its state): the servers to vote
 *     at are the newest view's primary and backups (seed 002: while a backup restarts only the
 *     primary collects votes; once it joined, both again).
 *   RESULT (seq, origin, res.value "<yes> <no>"): dropped when its id (seq, origin) was seen;
 *     logged `<seq> <yes> <no>` once every earlier ballot's result is logged (or after gap_wait).
 *     A result for a ballot already logged under another id (two primaries numbered the same
 *     ballot: split brain) is logged too: the damage shows in the log.
 * History: each vote is an operation `vote` (key = ballot) of the voter; each logged result an
 * operation `result` (key = ballot, value = "<yes> <no>") of process "<voter>:results", invoked
 * and answered when it is logged.
 */
rs_voter *rs_voter_new(const rs_voter_config *cfg, const rs_host *host);
void rs_voter_free(rs_voter *v);
void rs_voter_handle(rs_voter *v, rs_node_id from, const rs_msg *m);
void rs_voter_timer(rs_voter *v, int timer);
bool rs_voter_busy(const rs_voter *v);
/* The next ballot whose result the log waits for, and lines logged so far (tests). */
uint64_t rs_voter_next(const rs_voter *v);
uint64_t rs_voter_logged(const rs_voter *v);


#endif
