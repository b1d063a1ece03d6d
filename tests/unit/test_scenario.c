/* The scenario loader as a specification: what good files become, and where bad ones are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <glib/gstdio.h>
#include <math.h>

#include "core/msg.h"
#include "core/types.h"
#include "scenario/platform_scan.h"
#include "scenario/scenario.h"
#include "scenario/scenario_internal.h"

static char *source_dir;

#ifndef RS_SOURCE_DIR
static bool is_source_dir(const char *dir)
{
  char *probe = g_build_filename(dir, "tests", "scenarios-parse", "design-example.xml", NULL);
  bool found = g_file_test(probe, G_FILE_TEST_IS_REGULAR);
  g_free(probe);
  return found;
}
#endif

/* The source tree: RS_SOURCE_DIR when the build gives it; else the nearest folder up from the
 * current one that holds tests/scenarios-parse; else the folder this file was compiled from. */
static char *find_source_dir(void)
{
#ifdef RS_SOURCE_DIR
  return g_strdup(RS_SOURCE_DIR);
#else
  char *dir = g_get_current_dir();
  while (!is_source_dir(dir)) {
    char *up = g_path_get_dirname(dir);
    bool top = strcmp(up, dir) == 0;
    g_free(dir);
    dir = up;
    if (top) {
      g_free(dir);
      char *unit = g_path_get_dirname(__FILE__), *tests = g_path_get_dirname(unit);
      dir = g_path_get_dirname(tests);
      g_free(unit);
      g_free(tests);
      break;
    }
  }
  return dir;
#endif
}

static char *src_path(const char *relative)
{
  return g_build_filename(source_dir, relative, NULL);
}

/* Loads a file that must parse; fails the test with the loader's message if it does not. */
static scenario *load_ok(const char *relative, char *const *overrides)
{
  char *path = src_path(relative);
  char *err = NULL;
  scenario *sc = scenario_load(path, overrides, &err);
  if (sc == NULL)
    print_error("%s\n", err);
  assert_non_null(sc);
  assert_null(err);
  g_free(path);
  return sc;
}

/* Loads a file that must be refused at `line`, with `what` in the message. */
static void load_fails_at(const char *relative, char *const *overrides, int line, const char *what)
{
  char *path = src_path(relative);
  char *err = NULL;
  scenario *sc = scenario_load(path, overrides, &err);
  assert_null(sc);
  assert_non_null(err);
  char *prefix = g_strdup_printf("%s:%d: ", path, line);
  if (!g_str_has_prefix(err, prefix) || strstr(err, what) == NULL)
    print_error("got:      %s\nexpected: %s...%s\n", err, prefix, what);
  assert_true(g_str_has_prefix(err, prefix));
  assert_non_null(strstr(err, what));
  g_free(prefix);
  g_free(err);
  g_free(path);
}

static sc_replica *replica(scenario *sc, guint i)
{
  assert_true(i < sc->replicas->len);
  return g_ptr_array_index(sc->replicas, i);
}

static sc_step *step(sc_client *c, guint i)
{
  assert_true(i < c->steps->len);
  return g_ptr_array_index(c->steps, i);
}

static sc_fault *fault(scenario *sc, guint i)
{
  assert_true(i < sc->faults->len);
  return g_ptr_array_index(sc->faults, i);
}

static void assert_replica(scenario *sc, guint i, const char *id, const char *host)
{
  assert_string_equal(replica(sc, i)->id, id);
  assert_string_equal(replica(sc, i)->host, host);
}

static void assert_expect(scenario *sc, guint i, const char *key, const char *value)
{
  assert_true(i < sc->expects->len);
  sc_expect *e = g_ptr_array_index(sc->expects, i);
  assert_string_equal(e->key, key);
  assert_string_equal(e->value, value);
}

/* --- good files ------------------------------------------------------------------------------ */

static void test_design_example_parses_as_written(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/design-example.xml", NULL);
  assert_string_equal(sc->name, "pb-blocking-primary-crash");
  assert_int_equal(sc->seed, 7);
  assert_true(sc->duration == 120.0);
  assert_true(g_str_has_suffix(sc->platform, "platforms/lan.xml"));
  assert_int_equal(sc->platform_line, 5);
  assert_int_equal(sc->platform_hosts->len, 14);
  assert_int_equal(sc->platform_links->len, 14);
  assert_string_equal(sc->network_model, "CM02");
  assert_int_equal(sc->jitter, RS_JITTER_EXPONENTIAL);
  assert_true(sc->jitter_mean == 0.002);
  assert_int_equal(sc->protocol, RS_PROTO_PB_BLOCKING);
  assert_string_equal(sc->app, "files");
  assert_int_equal(sc->failover, RS_FAILOVER_VIEW_SERVICE);
  assert_false(sc->reads_primary);
  assert_true(sc->heartbeat == 1.0);
  assert_int_equal(sc->dead_after, 5);
  assert_int_equal(sc->read_quorum, 2);
  assert_int_equal(sc->write_quorum, 2);
  assert_string_equal(sc->registry_host, "registry");
  assert_string_equal(sc->view_service_host, "registry");
  assert_int_equal(sc->replicas->len, 3);
  assert_replica(sc, 0, "r1", "node-1");
  assert_replica(sc, 2, "r3", "node-3");
  assert_int_equal(replica(sc, 1)->line, 12);
  sc_workload *w = &sc->workload;
  assert_true(w->present);
  assert_int_equal(w->line, 15);
  assert_int_equal(w->clients, 8);
  assert_int_equal(w->hosts->len, 2);
  assert_string_equal(g_ptr_array_index(w->hosts, 1), "client-2");
  assert_int_equal(w->ops, 2000);
  assert_true(w->think == 0.05);
  assert_true(w->timeout == 2.0);
  assert_int_equal(w->retries, 3);
  assert_int_equal(w->mix[RS_OP_WRITE], 50);
  assert_int_equal(w->mix[RS_OP_READ], 45);
  assert_int_equal(w->mix[RS_OP_DELETE], 5);
  assert_int_equal(w->mix[RS_OP_PUT], 0);
  assert_int_equal(w->keys, 32);
  assert_int_equal(w->value_size, 300);
  scenario_free(sc);
}

static void test_design_example_keeps_steps_faults_and_expectations_in_order(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/design-example.xml", NULL);
  assert_int_equal(sc->clients->len, 1);
  sc_client *alice = g_ptr_array_index(sc->clients, 0);
  assert_string_equal(alice->id, "alice");
  assert_string_equal(alice->host, "client-1");
  assert_int_equal(alice->line, 17);
  assert_int_equal(alice->steps->len, 4);
  assert_int_equal(step(alice, 0)->op, RS_OP_WRITE);
  assert_string_equal(step(alice, 0)->key, "u1");
  assert_string_equal(step(alice, 0)->name, "F1");
  assert_string_equal(step(alice, 0)->value, "M. Schumacher");
  assert_null(step(alice, 0)->replica);
  assert_string_equal(step(alice, 1)->replica, "r2");
  assert_int_equal(step(alice, 2)->op, RS_OP_DELETE);
  assert_string_equal(step(alice, 3)->expect, "FILE ALREADY DELETED");
  assert_int_equal(step(alice, 3)->line, 21);
  assert_int_equal(sc->faults->len, 9);
  assert_string_equal(fault(sc, 0)->kind, "crash");
  assert_true(fault(sc, 0)->at == 30.0 && fault(sc, 0)->until < 0);
  assert_true(fault(sc, 1)->boot == 5.0);
  assert_string_equal(fault(sc, 2)->groups, "r1 | r2 r3 registry");
  assert_true(fault(sc, 2)->until == 50.0);
  assert_string_equal(fault(sc, 3)->link, "node-3-link");
  assert_true(fault(sc, 4)->latency == 0.08);
  assert_string_equal(fault(sc, 6)->kind, "join");
  assert_string_equal(fault(sc, 6)->node, "r4");
  assert_string_equal(fault(sc, 6)->host, "node-4");
  assert_true(fault(sc, 7)->rate == 0.05);
  assert_int_equal(fault(sc, 8)->line, 32);
  assert_int_equal(sc->expects->len, 3);
  assert_expect(sc, 0, "linearizable", "true");
  assert_expect(sc, 1, "lost-writes", "0");
  assert_expect(sc, 2, "diverged", "0");
  scenario_free(sc);
}

static void test_defaults_fill_what_the_file_leaves_out(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", NULL);
  assert_string_equal(sc->name, "good-minimal");
  assert_true(g_str_has_suffix(sc->dir, "scenarios-parse"));
  assert_int_equal(sc->seed, 1);
  assert_true(sc->duration == 0);
  assert_string_equal(sc->network_model, "CM02");
  assert_int_equal(sc->jitter, RS_JITTER_NONE);
  assert_int_equal(sc->protocol, RS_PROTO_PB_BLOCKING);
  assert_string_equal(sc->app, "files");
  assert_int_equal(sc->failover, RS_FAILOVER_NONE);
  assert_false(sc->reads_primary);
  assert_true(sc->heartbeat == 5.0);
  assert_int_equal(sc->dead_after, 5);
  assert_true(sc->restart_delay == 30.0);
  assert_int_equal(sc->write_quorum, 2); /* N = 2: Nw = 2/2 + 1, Nr = 2 - 2 + 1 */
  assert_int_equal(sc->read_quorum, 1);
  assert_string_equal(sc->registry_host, "registry");
  assert_null(sc->view_service_host);
  assert_replica(sc, 0, "a", "node-1");
  assert_replica(sc, 1, "b", "node-2");
  assert_false(sc->workload.present);
  assert_int_equal(sc->clients->len, 0);
  assert_int_equal(sc->faults->len, 0);
  assert_int_equal(sc->expects->len, 0);
  scenario_free(sc);
}

static void test_replicas_by_count_are_placed_round_robin(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-replicas-count.xml", NULL);
  assert_int_equal(sc->seed, G_MAXINT64);
  assert_true(sc->duration == 150.0);
  assert_int_equal(sc->replicas->len, 5);
  assert_replica(sc, 0, "r1", "node-1");
  assert_replica(sc, 1, "r2", "node-5");
  assert_replica(sc, 2, "r3", "node-2");
  assert_replica(sc, 3, "r4", "node-1");
  assert_replica(sc, 4, "r5", "node-5");
  assert_int_equal(replica(sc, 4)->line, 7);
  assert_int_equal(sc->protocol, RS_PROTO_QUORUM);
  assert_int_equal(sc->write_quorum, 3);
  assert_int_equal(sc->read_quorum, 3);
  assert_true(sc->workload.timeout == 1.0);
  assert_true(sc->workload.think == 0);
  assert_int_equal(sc->workload.retries, 3);
  assert_int_equal(sc->workload.keys, 16);
  assert_int_equal(sc->workload.value_size, 100);
  assert_int_equal(sc->workload.mix[RS_OP_WRITE], 50);
  assert_int_equal(sc->workload.mix[RS_OP_READ], 50);
  assert_int_equal(sc->workload.mix[RS_OP_DELETE], 0);
  assert_int_equal(sc->expects->len, 6);
  assert_expect(sc, 0, "availability-min", "0.95");
  assert_expect(sc, 5, "linearizable", "false");
  scenario_free(sc);
}

static void test_kv_steps_keep_every_attribute(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-kv.xml", NULL);
  assert_string_equal(sc->network_model, "LV08");
  assert_int_equal(sc->jitter, RS_JITTER_UNIFORM);
  assert_true(sc->jitter_mean == 0.0005);
  assert_int_equal(sc->protocol, RS_PROTO_PB_NONBLOCKING);
  assert_string_equal(sc->app, "kv");
  assert_int_equal(sc->failover, RS_FAILOVER_PEER);
  assert_true(sc->reads_primary);
  assert_true(sc->heartbeat == 0.25);
  assert_int_equal(sc->dead_after, 3);
  assert_true(sc->restart_delay == 60.0);
  assert_null(sc->view_service_host); /* given, but failover is peer */
  assert_int_equal(sc->workload.mix[RS_OP_PUT], 50);
  assert_int_equal(sc->workload.mix[RS_OP_GET], 50);
  assert_int_equal(sc->workload.retries, 0);
  assert_int_equal(sc->workload.value_size, 0);
  sc_client *bob = g_ptr_array_index(sc->clients, 0);
  assert_int_equal(bob->steps->len, 5);
  assert_int_equal(step(bob, 0)->op, RS_OP_PUT);
  assert_string_equal(step(bob, 0)->value, "1 & 2");
  assert_int_equal(step(bob, 1)->op, RS_OP_GET);
  assert_true(step(bob, 1)->at == 2.0);
  assert_string_equal(step(bob, 1)->expect_value, "1 & 2");
  assert_int_equal(step(bob, 2)->op, RS_OP_APPEND);
  assert_null(step(bob, 2)->expect);
  assert_int_equal(step(bob, 3)->op, RS_OP_CAS);
  assert_string_equal(step(bob, 3)->expected, "1 & 23");
  assert_string_equal(step(bob, 3)->value, "");
  assert_string_equal(step(bob, 3)->expect, "CAS MISMATCH");
  assert_string_equal(step(bob, 4)->replica, "late"); /* added by the <join> */
  assert_string_equal(fault(sc, 0)->from, "primary");
  assert_string_equal(fault(sc, 0)->to, "backup c1");
  assert_null(fault(sc, 0)->groups);
  scenario_free(sc);
}

/* Chat's steps fill rs_op's fields as core/apps/chat.h says; <client> takes timeout and retries. */
static void test_chat_steps_map_to_op_fields(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-chat.xml", NULL);
  assert_string_equal(sc->app, "chat");
  assert_int_equal(sc->workload.mix[RS_OP_SEND], 50); /* the default chat mix */
  assert_int_equal(sc->workload.mix[RS_OP_REGISTER], 10);
  sc_client *alice = g_ptr_array_index(sc->clients, 0);
  assert_true(alice->timeout == 0.25);
  assert_int_equal(alice->retries, 5);
  assert_int_equal(step(alice, 0)->op, RS_OP_REGISTER);
  assert_string_equal(step(alice, 0)->key, "alice");
  assert_string_equal(step(alice, 0)->value, "pw");
  assert_string_equal(step(alice, 1)->expect, "USER EXISTS");
  assert_int_equal(step(alice, 2)->op, RS_OP_SEND);
  assert_string_equal(step(alice, 2)->key, "bob");
  assert_string_equal(step(alice, 2)->name, "alice");
  assert_string_equal(step(alice, 2)->value, "hi");
  assert_string_equal(step(alice, 2)->expected, "1");
  assert_int_equal(step(alice, 3)->op, RS_OP_FETCH);
  assert_string_equal(step(alice, 3)->expect_value, "");
  assert_int_equal(step(alice, 4)->op, RS_OP_LIST);
  assert_string_equal(step(alice, 4)->key, "*");
  scenario_free(sc);
}

static void test_durations_take_every_simgrid_unit(void **state)
{
  (void)state;
  static const double expected[] = {1.5e-6, 2.5e-6, 0.25, 30, 120, 5400, 86400, 7, 0.125, 0.5, 3, 0};
  scenario *sc = load_ok("tests/scenarios-parse/good-durations.xml", NULL);
  assert_true(sc->duration == 1.5 * 86400);
  sc_client *c = g_ptr_array_index(sc->clients, 0);
  assert_int_equal(c->steps->len, G_N_ELEMENTS(expected));
  for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
    assert_true(step(c, i)->at == expected[i]);
  scenario_free(sc);
}

static void test_parse_duration_accepts_simgrid_units_only(void **state)
{
  (void)state;
  static const struct {
    const char *text;
    double seconds;
  } good[] = {{"250ms", 0.25}, {"30s", 30},   {"2m", 120},     {"1h", 3600},     {"1.5", 1.5},
              {"3d", 259200},  {"10ns", 1e-8}, {"80us", 8e-5}, {"0", 0},         {"007s", 7}};
  static const char *const bad[] = {"",    "-1s", "+1s", "1 s", "s",    "1.2.3s", "1e3", "inf",
                                     "nan", "1w",  "1S",  "0x10", " 1s", "1s ",   ".",   "1sec"};
  double v = -1;
  for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
    assert_true(scenario_parse_duration(good[i].text, &v));
    assert_true(v == good[i].seconds);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
    if (scenario_parse_duration(bad[i], &v))
      fail_msg("'%s' parsed as a duration", bad[i]);
  assert_false(scenario_parse_duration(NULL, &v));
}

static void test_platform_names_hosts_and_links_as_simgrid_does(void **state)
{
  (void)state;
  /* The names SimGrid 3.32 itself lists for this platform (loopback link aside). */
  static const char *const hosts[] = {"n-1.x", "n-2.x", "n-3.x", "n-7.x", "m0", "m1", "registry", "client-1"};
  static const char *const links[] = {
      "c_link_1",          "c_link_2",      "c_link_3",         "c_link_7",          "c_backbone",
      "d_link_0_UP",       "d_link_0_DOWN", "d_link_0_loopback", "d_link_0_limiter", "d_link_1_UP",
      "d_link_1_DOWN",     "d_link_1_loopback", "d_link_1_limiter", "registry-link", "sd_UP", "sd_DOWN",
      "client-1-link"};
  char *path = src_path("tests/scenarios-parse/platform-cluster.xml");
  GPtrArray *h = g_ptr_array_new_with_free_func(g_free), *l = g_ptr_array_new_with_free_func(g_free);
  char *err = NULL;
  assert_true(platform_scan(path, h, l, &err));
  assert_null(err);
  assert_int_equal(h->len, G_N_ELEMENTS(hosts));
  for (size_t i = 0; i < G_N_ELEMENTS(hosts); i++)
    assert_string_equal(g_ptr_array_index(h, i), hosts[i]);
  assert_int_equal(l->len, G_N_ELEMENTS(links));
  for (size_t i = 0; i < G_N_ELEMENTS(links); i++)
    assert_true(g_ptr_array_find_with_equal_func(l, links[i], g_str_equal, NULL));
  g_ptr_array_unref(h);
  g_ptr_array_unref(l);
  g_free(path);
  scenario *sc = load_ok("tests/scenarios-parse/good-cluster-platform.xml", NULL);
  assert_replica(sc, 3, "r4", "n-7.x");
  assert_int_equal(sc->workload.mix[RS_OP_DELETE], 2);
  assert_string_equal(fault(sc, 1)->link, "sd_UP");
  assert_true(fault(sc, 3)->rate == 1.0);
  scenario_free(sc);
}

static void test_radical_expands_ranges_and_lists(void **state)
{
  (void)state;
  static const int expected[] = {1, 2, 3, 10, 0};
  GArray *ns = g_array_new(FALSE, FALSE, sizeof(int));
  assert_true(platform_expand_radical("1-3,10, 0", ns));
  assert_int_equal(ns->len, G_N_ELEMENTS(expected));
  for (guint i = 0; i < ns->len; i++)
    assert_int_equal(g_array_index(ns, int, i), expected[i]);
  static const char *const bad[] = {"", "1-", "-1", "3-1", "a", "1,,2", "1-2-3", "0-999999999"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_array_set_size(ns, 0);
    if (platform_expand_radical(bad[i], ns))
      fail_msg("radical '%s' accepted", bad[i]);
  }
  g_array_unref(ns);
}

static void test_platforms_shipped_define_the_hosts_scenarios_use(void **state)
{
  (void)state;
  static const char *const files[] = {"platforms/lan.xml", "platforms/wan.xml", "platforms/hetero.xml"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    char *path = src_path(files[i]), *err = NULL;
    GPtrArray *h = g_ptr_array_new_with_free_func(g_free), *l = g_ptr_array_new_with_free_func(g_free);
    assert_true(platform_scan(path, h, l, &err));
    assert_int_equal(h->len, 14);
    assert_int_equal(l->len, i == 1 ? 15 : 14);
    assert_true(g_ptr_array_find_with_equal_func(h, "view-service", g_str_equal, NULL));
    assert_true(g_ptr_array_find_with_equal_func(l, "client-4-link", g_str_equal, NULL));
    g_ptr_array_unref(h);
    g_ptr_array_unref(l);
    g_free(path);
  }
}


/* --- workloads, options and limits of the contract ------------------------------------------- */

static void test_workload_without_ops_runs_until_the_duration_open_loop(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-open-loop.xml", NULL);
  assert_true(sc->workload.present);
  assert_int_equal(sc->workload.ops, 0); /* until the duration */
  assert_true(sc->workload.rate == 200.0);
  assert_int_equal(sc->workload.clients, 10000);
  assert_int_equal(sc->engine, RS_ENGINE_FAST);
  assert_true(sc->read_repair);
  assert_true(sc->fsync == 0.002);
  assert_true(sc->seed == (uint64_t)G_MAXINT64);
  assert_true(fault(sc, 0)->until == 90.0); /* after the duration: valid, it ends there */
  assert_true(fault(sc, 4)->at == sc->duration);
  scenario_free(sc);
}

static void test_overlaps_only_the_run_can_judge_are_accepted(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-overlapping-faults.xml", NULL);
  assert_int_equal(sc->faults->len, 10);
  scenario_free(sc);
}

static void test_options_default_to_simgrid_no_repair_no_fsync(void **state)
{
  (void)state;
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", NULL);
  assert_int_equal(sc->engine, RS_ENGINE_SIMGRID);
  assert_string_equal(rs_engine_name(sc->engine), "simgrid");
  assert_false(sc->read_repair);
  assert_true(sc->fsync == 0);
  assert_true(sc->workload.rate == 0);
  scenario_free(sc);
}

static void test_engine_read_repair_and_fsync_can_be_overridden(void **state)
{
  (void)state;
  char *set[] = {"engine=fast", "protocol=quorum", "read-repair=true", "fsync=5ms", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", set);
  assert_int_equal(sc->engine, RS_ENGINE_FAST);
  assert_true(sc->read_repair);
  assert_true(sc->fsync == 0.005);
  scenario_free(sc);
  char *back[] = {"engine=simgrid", "read-repair=false", "protocol=pb-blocking", NULL};
  sc = load_ok("tests/scenarios-parse/good-open-loop.xml", back);
  assert_int_equal(sc->engine, RS_ENGINE_SIMGRID);
  assert_false(sc->read_repair);
  scenario_free(sc);
}

static void test_bad_options_name_their_line(void **state)
{
  (void)state;
  char *engine[] = {"engine=ns3", NULL};
  load_fails_at("tests/scenarios-parse/design-example.xml", engine, 6, "--set engine=ns3: unknown engine 'ns3'");
  load_fails_at("tests/scenarios-parse/good-minimal.xml", engine, 4, "unknown engine"); /* no <network>: <scenario> */
  char *repair[] = {"read-repair=true", NULL};
  load_fails_at("tests/scenarios-parse/good-minimal.xml", repair, 6, "read-repair is a quorum option");
  char *quorum_then_pb[] = {"protocol=pb-nonblocking", NULL};
  load_fails_at("tests/scenarios-parse/good-open-loop.xml", quorum_then_pb, 9,
                "--set protocol=pb-nonblocking: read-repair is a quorum option");
  char *no_duration[] = {"duration=0", NULL};
  load_fails_at("tests/scenarios-parse/good-open-loop.xml", no_duration, 11,
                "--set duration=0: <workload> has no ops=");
}

static void test_rates_take_per_second_millisecond_and_minute(void **state)
{
  (void)state;
  static const struct {
    const char *text;
    double per_second;
  } good[] = {{"200/s", 200}, {"0.5/s", 0.5}, {"2/ms", 2000}, {"30/m", 0.5}, {"1000000/s", 1e6}};
  static const char *const bad[] = {"", "200", "/s", "-1/s", "0/s", "1e3/s", "200/h", "200 /s", "200/S",
                                    "nan/s", "inf/s", "1000001/s", "2000/ms"};
  for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
    double v = 0;
    const char *why = NULL;
    if (!sv_rate(good[i].text, &v, &why))
      fail_msg("rate '%s' refused: %s", good[i].text, why);
    assert_true(fabs(v - good[i].per_second) < 1e-9 * good[i].per_second);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    double v = 0;
    const char *why = NULL;
    if (sv_rate(bad[i], &v, &why))
      fail_msg("rate '%s' accepted as %g", bad[i], v);
    assert_non_null(why);
  }
}

static void test_durations_stop_at_the_nanosecond_limit(void **state)
{
  (void)state;
  double v = 0;
  const char *why = NULL;
  assert_true(sv_duration("1000000s", &v, &why) && v == SC_MAX_DURATION);
  assert_true(sv_duration("16666m", &v, &why));
  assert_false(sv_duration("1000001s", &v, &why));
  assert_non_null(strstr(why, "longer than the 1000000s"));
  assert_false(sv_duration("12d", &v, &why));
  assert_false(sv_duration("100000000000000000000", &v, &why));
  /* At the limit a double still tells apart two times one nanosecond apart, with room to spare. */
  assert_true(SC_MAX_DURATION + 1e-9 != SC_MAX_DURATION);
  assert_true(nextafter(SC_MAX_DURATION, INFINITY) - SC_MAX_DURATION < 1e-9 / 4);
  /* Beyond 2^23 s it would not: that is why the limit is well below. */
  assert_true(nextafter(8388608.0, INFINITY) - 8388608.0 > 1e-9 / 2);
  char *too_long[] = {"duration=1000001s", NULL};
  load_fails_at("tests/scenarios-parse/good-minimal.xml", too_long, 4, "--set duration=1000001s: bad duration");
  char *longest[] = {"duration=1000000s", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", longest);
  assert_true(sc->duration == SC_MAX_DURATION);
  scenario_free(sc);
}

static void test_seeds_go_from_zero_to_two_to_the_63_minus_one(void **state)
{
  (void)state;
  char *zero[] = {"seed=0", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", zero);
  assert_true(sc->seed == 0);
  scenario_free(sc);
  char *top[] = {"seed=9223372036854775807", NULL};
  sc = load_ok("tests/scenarios-parse/good-minimal.xml", top);
  assert_true(sc->seed == (uint64_t)G_MAXINT64);
  scenario_free(sc);
  char *over[] = {"seed=9223372036854775808", NULL};
  load_fails_at("tests/scenarios-parse/good-minimal.xml", over, 4, "from 0 to 2^63-1");
  char *max64[] = {"seed=18446744073709551615", NULL};
  load_fails_at("tests/scenarios-parse/good-minimal.xml", max64, 4, "from 0 to 2^63-1");
}

static void test_replicas_stop_at_64_node_ids(void **state)
{
  (void)state;
  char *sixty_four[] = {"replicas=64", "hosts=node-1 node-2", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", sixty_four);
  assert_int_equal(sc->replicas->len, SC_MAX_REPLICAS);
  assert_int_equal(SC_MAX_REPLICAS, RS_MAX_NODES);
  scenario_free(sc);
  char *too_many[] = {"replicas=65", "hosts=node-1", NULL};
  load_fails_at("tests/scenarios-parse/good-minimal.xml", too_many, 6, "a cluster has at most 64 replicas");
}

/* Writes `text` into a file in a fresh temporary folder; returns its path (the folder is removed
 * by remove_temp_file). */
static char *temp_file(const char *text)
{
  char *dir = g_dir_make_tmp("test_scenario-XXXXXX", NULL);
  assert_non_null(dir);
  char *path = g_build_filename(dir, "scenario.xml", NULL);
  assert_true(g_file_set_contents(path, text, -1, NULL));
  g_free(dir);
  return path;
}

static void remove_temp_file(char *path)
{
  char *dir = g_path_get_dirname(path);
  g_unlink(path);
  g_rmdir(dir);
  g_free(dir);
  g_free(path);
}

static void test_100000_listed_replicas_are_refused_at_the_65th(void **state)
{
  (void)state;
  char *platform = src_path("platforms/lan.xml");
  GString *text = g_string_new(NULL);
  g_string_append_printf(text, "<scenario duration=\"10s\">\n<platform file=\"%s\"/>\n<cluster>\n", platform);
  for (int i = 1; i <= 100000; i++)
    g_string_append_printf(text, "<replica id=\"r%d\" host=\"node-%d\"/>\n", i, (i - 1) % 8 + 1);
  g_string_append(text, "</cluster>\n</scenario>\n");
  char *path = temp_file(text->str);
  char *err = NULL;
  gint64 start = g_get_monotonic_time();
  scenario *sc = scenario_load(path, NULL, &err);
  double seconds = (double)(g_get_monotonic_time() - start) / 1e6;
  assert_null(sc);
  char *expected = g_strdup_printf("%s:68: replica r65 is one too many", path);
  if (!g_str_has_prefix(err, expected))
    print_error("got: %s\n", err);
  assert_true(g_str_has_prefix(err, expected));
  assert_true(seconds < 10);
  g_free(expected);
  g_free(err);
  remove_temp_file(path);
  g_string_free(text, TRUE);
  g_free(platform);
}

static void test_10000_workload_clients_parse_and_validate(void **state)
{
  (void)state;
  gint64 start = g_get_monotonic_time();
  scenario *sc = load_ok("tests/scenarios-parse/good-open-loop.xml", NULL);
  double seconds = (double)(g_get_monotonic_time() - start) / 1e6;
  assert_int_equal(sc->workload.clients, SC_MAX_CLIENTS);
  assert_true(seconds < 5);
  scenario_free(sc);
  char *platform = src_path("platforms/lan.xml");
  char *text = g_strdup_printf("<scenario duration=\"10s\"><platform file=\"%s\"/><cluster replicas=\"3\" "
                               "hosts=\"node-1\"/>\n<workload clients=\"10001\" hosts=\"client-1\"/>\n"
                               "</scenario>\n", platform);
  char *path = temp_file(text);
  char *err = NULL;
  assert_null(scenario_load(path, NULL, &err));
  assert_non_null(strstr(err, ":2: bad clients '10001' on <workload>: out of range"));
  g_free(err);
  remove_temp_file(path);
  g_free(text);
  g_free(platform);
}

static void test_control_characters_and_nul_bytes_are_refused(void **state)
{
  (void)state;
  assert_null(sv_control_char("node-1", false));
  assert_null(sv_control_char("a b\tc\nd", true));
  assert_non_null(sv_control_char("a\tb", false));
  assert_non_null(sv_control_char("a\x7f", true));
  assert_non_null(sv_control_char("a\x01", true));
  assert_int_equal(sv_nul_line("a\nb\nc", 5), 0);
  assert_int_equal(sv_nul_line("a\nb\n\0c", 6), 3);
  char *platform = src_path("platforms/lan.xml");
  char *text = g_strdup_printf("<scenario duration=\"10s\"><platform file=\"%s\"/>\n<cluster replicas=\"3\" "
                               "hosts=\"node-1\"/>\n<client id=\"a\" host=\"client-1\">\n"
                               "<write uuid=\"u\" name=\"n\" content=\"line one&#10;line two\"/></client>\n"
                               "</scenario>\n", platform);
  char *path = temp_file(text);
  char *err = NULL;
  assert_null(scenario_load(path, NULL, &err));
  assert_non_null(strstr(err, ":4: control character U+000A in attribute 'content' of <write>"));
  g_free(err);
  remove_temp_file(path);
  g_free(text);
  g_free(platform);
}

/* --- overrides ------------------------------------------------------------------------------- */

static void test_overrides_replace_cluster_attributes_seed_and_duration(void **state)
{
  (void)state;
  char *set[] = {"protocol=quorum", "replicas=5", "hosts=node-3 node-4", "seed=42", "duration=90s",
                 "app=kv",          "failover=view-service", "reads=primary", "heartbeat=2s",
                 "dead-after=7",    "restart-delay=1m", "write-quorum=4", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", set);
  assert_int_equal(sc->protocol, RS_PROTO_QUORUM);
  assert_int_equal(sc->replicas->len, 5);
  assert_replica(sc, 0, "r1", "node-3");
  assert_replica(sc, 1, "r2", "node-4");
  assert_replica(sc, 4, "r5", "node-3");
  assert_int_equal(sc->seed, 42);
  assert_true(sc->duration == 90.0);
  assert_string_equal(sc->app, "kv");
  assert_int_equal(sc->failover, RS_FAILOVER_VIEW_SERVICE);
  assert_string_equal(sc->view_service_host, "view-service"); /* the platform's host of that name */
  assert_true(sc->reads_primary);
  assert_true(sc->heartbeat == 2.0);
  assert_int_equal(sc->dead_after, 7);
  assert_true(sc->restart_delay == 60.0);
  assert_int_equal(sc->write_quorum, 4);
  assert_int_equal(sc->read_quorum, 2);
  scenario_free(sc);
}

static void test_override_hosts_moves_listed_replicas_and_last_set_wins(void **state)
{
  (void)state;
  char *set[] = {"hosts=node-7", "hosts=node-5 node-6", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", set);
  assert_int_equal(sc->replicas->len, 2);
  assert_replica(sc, 0, "a", "node-5");
  assert_replica(sc, 1, "b", "node-6");
  scenario_free(sc);
}

static void test_override_replicas_renumbers_listed_replicas_on_their_hosts(void **state)
{
  (void)state;
  char *set[] = {"replicas=4", "protocol=quorum", "read-quorum=2", "write-quorum=3", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", set);
  assert_int_equal(sc->replicas->len, 4);
  assert_replica(sc, 0, "r1", "node-1");
  assert_replica(sc, 1, "r2", "node-2");
  assert_replica(sc, 2, "r3", "node-1");
  scenario_free(sc);
}

static void test_override_read_quorum_alone_derives_the_write_quorum(void **state)
{
  (void)state;
  char *small[] = {"protocol=quorum", "replicas=5", "hosts=node-1", "read-quorum=1", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", small);
  assert_int_equal(sc->read_quorum, 1);
  assert_int_equal(sc->write_quorum, 5); /* Nr + Nw > N */
  scenario_free(sc);
  char *large[] = {"protocol=quorum", "replicas=5", "hosts=node-1", "read-quorum=5", NULL};
  sc = load_ok("tests/scenarios-parse/good-minimal.xml", large);
  assert_int_equal(sc->write_quorum, 3); /* Nw > N/2 */
  scenario_free(sc);
}

static void test_bad_overrides_name_the_set_option(void **state)
{
  (void)state;
  static const char *const design = "tests/scenarios-parse/design-example.xml";
  static const char *const minimal = "tests/scenarios-parse/good-minimal.xml";
  static const struct {
    const char *file;
    char *set[3];
    int line;
    const char *what;
  } cases[] = {
      {design, {"protocol=quorum", "write-quorum=9", NULL}, 7,
       "--set write-quorum=9: write-quorum 9 must be from 1 to the number of replicas (3)"},
      {design, {"protocol=quorum", "replicas=5", NULL}, 7,
       "--set replicas=5: read-quorum 2 + write-quorum 2 must exceed the 5 replicas"},
      {design, {"nonsense=1", NULL}, 7, "--set nonsense=1: unknown key"},
      {design, {"seed", NULL}, 7, "--set seed: expected KEY=VALUE"},
      {design, {"seed=abc", NULL}, 4, "--set seed=abc: bad seed 'abc': not a whole number"},
      {design, {"seed=-3", NULL}, 4, "--set seed=-3: bad seed '-3': negative"},
      {design, {"duration=-1s", NULL}, 4, "--set duration=-1s: bad duration '-1s': negative duration"},
      {design, {"duration=60s", NULL}, 27, "--set duration=60s: <link-down> at 70s comes after"},
      {design, {"protocol=raft", NULL}, 7, "--set protocol=raft: unknown protocol 'raft'"},
      {design, {"app=", NULL}, 7, "--set app=: unknown app ''"},
      {design, {"app=kv", NULL}, 15, "--set app=kv: mix names 'write', which app kv does not have"},
      {design, {"heartbeat=0", NULL}, 7, "--set heartbeat=0: bad heartbeat '0': must be more than 0"},
      {design, {"dead-after=x", NULL}, 7, "--set dead-after=x: bad dead-after 'x'"},
      {design, {"replicas=0", NULL}, 7, "--set replicas=0: bad replicas '0'"},
      {design, {"replicas=4", NULL}, 30, "duplicate node id 'r4'"},
      {minimal, {"hosts=nowhere", NULL}, 6, "--set hosts=nowhere: unknown host 'nowhere' for replica a"},
      {minimal, {"hosts=", NULL}, 6, "--set hosts=: hosts= names no host"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
    load_fails_at(cases[i].file, cases[i].set, cases[i].line, cases[i].what);
}

static void test_quorum_sizes_are_checked_under_quorum_only(void **state)
{
  (void)state;
  char *pb[] = {"write-quorum=9", NULL};
  scenario *sc = load_ok("tests/scenarios-parse/good-minimal.xml", pb);
  assert_int_equal(sc->write_quorum, 9);
  scenario_free(sc);
  char *quorum[] = {"write-quorum=9", "protocol=quorum", NULL};
  load_fails_at("tests/scenarios-parse/good-minimal.xml", quorum, 6, "--set write-quorum=9: write-quorum 9");
}

/* --- bad input ------------------------------------------------------------------------------- */

static void test_missing_scenario_file_names_the_file(void **state)
{
  (void)state;
  char *err = NULL;
  assert_null(scenario_load("no/such/scenario.xml", NULL, &err));
  assert_string_equal(err, "no/such/scenario.xml: cannot be read: No such file or directory");
  g_free(err);
}

static void test_protocol_names_match_the_file_format(void **state)
{
  (void)state;
  assert_string_equal(rs_protocol_name(RS_PROTO_PB_BLOCKING), "pb-blocking");
  assert_string_equal(rs_protocol_name(RS_PROTO_PB_NONBLOCKING), "pb-nonblocking");
  assert_string_equal(rs_protocol_name(RS_PROTO_QUORUM), "quorum");
}

/* Reads "<!-- KEY: VALUE -->" from line `n` (1-based) of `text`; NULL if absent. */
static char *header_value(const char *text, int n, const char *key)
{
  char **lines = g_strsplit(text, "\n", n + 1);
  char *open = g_strdup_printf("<!-- %s: ", key);
  char *value = NULL;
  if (g_strv_length(lines) >= (guint)n && g_str_has_prefix(lines[n - 1], open) &&
      g_str_has_suffix(lines[n - 1], " -->")) {
    const char *start = lines[n - 1] + strlen(open);
    value = g_strndup(start, strlen(start) - 4);
  }
  g_free(open);
  g_strfreev(lines);
  return value;
}

/* A bad file says on its first two lines where and how it must be refused. */
static void test_bad_file_is_refused_at_its_line(void **state)
{
  const char *path = *state;
  char *text = NULL;
  assert_true(g_file_get_contents(path, &text, NULL, NULL));
  char *line_text = header_value(text, 1, "expect-line");
  char *what = header_value(text, 2, "expect-error");
  if (line_text == NULL || what == NULL)
    fail_msg("%s: lines 1 and 2 must be <!-- expect-line: N --> and <!-- expect-error: TEXT -->", path);
  char *err = NULL;
  scenario *sc = scenario_load(path, NULL, &err);
  char *prefix = g_strdup_printf("%s:%s: ", path, line_text);
  if (sc != NULL || !g_str_has_prefix(err, prefix) || strstr(err, what) == NULL)
    print_error("got:      %s\nexpected: %s...%s\n", err ? err : "(loaded)", prefix, what);
  assert_null(sc);
  assert_true(g_str_has_prefix(err, prefix));
  assert_non_null(strstr(err, what));
  g_free(prefix);
  g_free(err);
  g_free(line_text);
  g_free(what);
  g_free(text);
}

static gint compare_paths(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of `folder` whose name starts with `prefix` and ends in .xml, sorted. */
static void add_bad_files(GPtrArray *paths, const char *folder, const char *prefix)
{
  char *dir_path = src_path(folder);
  GDir *dir = g_dir_open(dir_path, 0, NULL);
  assert_non_null(dir);
  guint first = paths->len;
  for (const char *name; (name = g_dir_read_name(dir)) != NULL;)
    if (g_str_has_prefix(name, prefix) && g_str_has_suffix(name, ".xml"))
      g_ptr_array_add(paths, g_build_filename(dir_path, name, NULL));
  g_dir_close(dir);
  g_free(dir_path);
  g_ptr_array_sort(paths, compare_paths);
  assert_true(paths->len - first >= 15);
}

/* One cmocka test per bad file: tests/bad/ (also run by test_bad_input.sh) and scenarios-parse. */
static int run_bad_files(void)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
  add_bad_files(paths, "tests/bad", "");
  add_bad_files(paths, "tests/scenarios-parse", "bad-");
  struct CMUnitTest *tests = g_new0(struct CMUnitTest, paths->len);
  for (guint i = 0; i < paths->len; i++) {
    tests[i].name = strstr(g_ptr_array_index(paths, i), "tests/");
    tests[i].test_func = test_bad_file_is_refused_at_its_line;
    tests[i].initial_state = g_ptr_array_index(paths, i);
  }
  int failed = _cmocka_run_group_tests("bad scenario files", tests, paths->len, NULL, NULL);
  g_free(tests);
  g_ptr_array_unref(paths);
  return failed;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_design_example_parses_as_written),
      cmocka_unit_test(test_design_example_keeps_steps_faults_and_expectations_in_order),
      cmocka_unit_test(test_defaults_fill_what_the_file_leaves_out),
      cmocka_unit_test(test_replicas_by_count_are_placed_round_robin),
      cmocka_unit_test(test_kv_steps_keep_every_attribute),
    cmocka_unit_test(test_chat_steps_map_to_op_fields),
      cmocka_unit_test(test_durations_take_every_simgrid_unit),
      cmocka_unit_test(test_parse_duration_accepts_simgrid_units_only),
      cmocka_unit_test(test_platform_names_hosts_and_links_as_simgrid_does),
      cmocka_unit_test(test_radical_expands_ranges_and_lists),
      cmocka_unit_test(test_platforms_shipped_define_the_hosts_scenarios_use),
      cmocka_unit_test(test_overrides_replace_cluster_attributes_seed_and_duration),
      cmocka_unit_test(test_override_hosts_moves_listed_replicas_and_last_set_wins),
      cmocka_unit_test(test_override_replicas_renumbers_listed_replicas_on_their_hosts),
      cmocka_unit_test(test_override_read_quorum_alone_derives_the_write_quorum),
      cmocka_unit_test(test_bad_overrides_name_the_set_option),
      cmocka_unit_test(test_quorum_sizes_are_checked_under_quorum_only),
      cmocka_unit_test(test_missing_scenario_file_names_the_file),
      cmocka_unit_test(test_protocol_names_match_the_file_format),
      cmocka_unit_test(test_workload_without_ops_runs_until_the_duration_open_loop),
      cmocka_unit_test(test_options_default_to_simgrid_no_repair_no_fsync),
      cmocka_unit_test(test_overlaps_only_the_run_can_judge_are_accepted),
      cmocka_unit_test(test_engine_read_repair_and_fsync_can_be_overridden),
      cmocka_unit_test(test_bad_options_name_their_line),
      cmocka_unit_test(test_rates_take_per_second_millisecond_and_minute),
      cmocka_unit_test(test_durations_stop_at_the_nanosecond_limit),
      cmocka_unit_test(test_seeds_go_from_zero_to_two_to_the_63_minus_one),
      cmocka_unit_test(test_replicas_stop_at_64_node_ids),
      cmocka_unit_test(test_100000_listed_replicas_are_refused_at_the_65th),
      cmocka_unit_test(test_10000_workload_clients_parse_and_validate),
      cmocka_unit_test(test_control_characters_and_nul_bytes_are_refused),
  };
  source_dir = find_source_dir();
  int failed = cmocka_run_group_tests_name("scenario loader", tests, NULL, NULL);
  failed += run_bad_files();
  g_free(source_dir);
  return failed != 0;
}
