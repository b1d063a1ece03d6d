/* Unit tests for <poll> (scenario/poll.c) and its deployment (scenario/deploy_poll.c): the values
 * read, voters v1..vN placed round-robin, vote servers for app votes, each with the poll. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "scenario/deploy.h"

static void test_poll_is_read_and_deployed(void **unused)
{
  (void)unused;
  char *err = NULL;
  scenario *sc = scenario_load(RS_SOURCE_DIR "/scenarios/votes-peer-primary-crash.xml", NULL, &err);
  assert_non_null(sc);
  assert_true(sc->poll.present);
  assert_int_equal(sc->poll.voters, 20);
  assert_int_equal(sc->poll.ballots, 30);
  assert_true(sc->poll.every == 1.0 && sc->poll.deadline == 3.0 && sc->poll.yes == 0.55);
  deploy *d = deploy_new(sc);
  const dp_node *r1 = deploy_find(d, "r1"), *v1 = deploy_find(d, "v1"), *v2 = deploy_find(d, "v2");
  const dp_node *v20 = deploy_find(d, "v20");
  assert_non_null(r1);
  assert_non_null(v20);
  assert_null(deploy_find(d, "v21"));
  assert_int_equal(r1->spec.kind, RS_NODE_VOTE_SERVER);
  assert_true(r1->replica);
  assert_int_equal(v1->spec.kind, RS_NODE_VOTER);
  assert_false(v1->client || v1->replica);
  assert_string_equal(v1->host, "client-1");
  assert_string_equal(v2->host, "client-2");
  const vote_server_config *vs = &r1->spec.vote_server;
  assert_int_equal(vs->poll.n_voters, 20);
  assert_int_equal(vs->poll.voters[0], v1->id);
  assert_int_equal(vs->poll.ballots, 30);
  assert_int_equal(vs->pb.n_peers, 2);
  assert_string_equal(vs->peer_names[0], "r1");
  assert_int_equal(vs->pb.failover, RS_FAILOVER_CORE_PEER);
  assert_int_equal(v1->spec.voter.n_servers, 2);
  assert_int_equal(v1->spec.voter.servers[0], r1->id);
  assert_true(v1->spec.voter.yes == 0.55);
  /* A restarted server knows it follows a crash. */
  assert_true(deploy_spec_for_life(r1, 1, 0).pb.restarted);
  deploy_free(d);
  scenario_free(sc);
}

static void test_protocol_override_keeps_the_poll(void **unused)
{
  (void)unused;
  char *err = NULL;
  char *set[] = {"protocol=pb-nonblocking", NULL};
  scenario *sc = scenario_load(RS_SOURCE_DIR "/scenarios/votes-split-brain.xml", set, &err);
  assert_non_null(sc);
  deploy *d = deploy_new(sc);
  assert_false(deploy_find(d, "r2")->spec.vote_server.pb.blocking);
  deploy_free(d);
  scenario_free(sc);
  char *quorum[] = {"protocol=quorum", NULL};
  assert_null(scenario_load(RS_SOURCE_DIR "/scenarios/votes-split-brain.xml", quorum, &err));
  assert_non_null(strstr(err, "not quorum"));
  g_free(err);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_poll_is_read_and_deployed),
      cmocka_unit_test(test_protocol_override_keeps_the_poll),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
