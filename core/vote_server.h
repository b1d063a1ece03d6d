/* Seed 002's vote server: a primary-backup replica (failover peer) of the votes app that also
 * runs the poll: the primary opens ballots, closes them, and sends their results to the voters. */
#ifndef RS_VOTE_SERVER_H
#define RS_VOTE_SERVER_H

#include "pb_replica.h"

/* A vote server's timers: above the replica's (1..3), below a host's limit (16). */
enum { VOTE_TIMER_OPEN = 8, VOTE_TIMER_TICK = 9 };

/* The poll of <poll voters hosts ballots every yes deadline>. */
typedef struct rs_poll_config {
  uint32_t n_voters;
  rs_node_id voters[RS_MAX_NODES];
  uint64_t ballots;  /* ballots to open (the duration may end it first) */
  double every;      /* seconds between openings */
  double deadline;   /* seconds a ballot stays open unless every voter voted before */
} rs_poll_config;

typedef struct vote_server_config {
  pb_config pb;      /* first, so that a deploy fills it as any primary-backup replica's */
  rs_poll_config poll;
  const char *peer_names[RS_MAX_NODES]; /* names of pb.peers, for the log's join lines */
} vote_server_config;

/*
 * The poll over the replica (pb_replica.h, failover peer, blocking or not):
 * - Every `every` seconds the primary opens ballot last+1: it runs `open` through its own
 *   replication path (as client = itself, so the backup gets it in order) and, once that is
 *   confirmed (blocking: the backup has it), sends BALLOT to every voter; the deadline runs
 *   from then. A ballot no backup holds is never announced, so no failover loses one voters
 *   vote on (the new primary would open another under the same number).
 * - Votes are client requests (op `vote`) sent by each voter to primary and backup; the backup
 *   forwards its copy to the primary, whose at-most-once table runs the vote once and answers
 *   both; the primary replicates it to the backup, so the backup holds every ballot and vote.
 * - Once every voter voted, or `deadline` seconds after the ballot opened here (for a backup:
 *   after it learned of it), the primary runs `close`; once that is confirmed (blocking: the
 *   backup has it) it sends RESULT (seq, origin = the opener, "<yes> <no>") to every voter.
 * - A backup that becomes primary (promotion) sends the result of every closed ballot again (it
 *   cannot know which ones its predecessor sent before it failed; voters drop duplicates by id),
 *   announces every open ballot again (its predecessor may have failed before announcing one)
 *   and closes the open ones at their deadline: the results of every ballot still waiting.
 * - Join (seed 002): the replica tells voters every change of backups with VIEW; the vote server
 *   logs it as seed 002 names it: "ONLY PRIMARY <p> COLLECTS VOTES" when its backup died and is
 *   restarting, "NEW BACKUP <b> JOINED: VOTES GO TO <p> AND <b>" once the backup holds its state.
 */
typedef struct vote_server vote_server;

vote_server *vote_server_new(const vote_server_config *cfg, const rs_host *host, rs_store *store);
void vote_server_free(vote_server *s);
pb_replica *vote_server_replica(const vote_server *s);


#endif
