/* Unit tests for the message codec (core/codec.c): round trips, canonical form, and rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/msg.h"

/* The wire format's field bits, as core/codec.c documents them (white-box on purpose: the wire
 * format is what the socket shim and the simulator's message sizes depend on). */
enum {
  B_TAG = 1u << 0,
  B_NODE = 1u << 1,
  B_ORIGIN = 1u << 2,
  B_INDEX = 1u << 3,
  B_VIEW = 1u << 4,
  B_KIND_STATUS = 1u << 5,
  B_VERSION = 1u << 6,
  B_KEY = 1u << 7,
  B_REPLICAS = 1u << 13,
  B_BLOB = 1u << 14,
  B_SPARE = 1u << 15,
};
#define MAGIC 0xA1

/* ---- helpers ---- */

static bool msg_equal(const rs_msg *a, const rs_msg *b)
{
  if (a->type != b->type || a->which != b->which || a->node != b->node || a->client != b->client ||
      a->seq != b->seq || a->origin != b->origin || a->index != b->index || a->view != b->view)
    return false;
  if (a->op.kind != b->op.kind || !rs_bytes_eq(a->op.key, b->op.key) ||
      !rs_bytes_eq(a->op.name, b->op.name) || !rs_bytes_eq(a->op.value, b->op.value) ||
      !rs_bytes_eq(a->op.expected, b->op.expected))
    return false;
  if (a->res.status != b->res.status || a->res.version != b->res.version ||
      !rs_bytes_eq(a->res.name, b->res.name) || !rs_bytes_eq(a->res.value, b->res.value))
    return false;
  if (a->n_nodes != b->n_nodes || !rs_bytes_eq(a->blob, b->blob))
    return false;
  return memcmp(a->nodes, b->nodes, a->n_nodes * sizeof a->nodes[0]) == 0;
}

/* A message of type `t` with every field set to something non-trivial. */
static rs_msg full_msg(rs_msg_type t)
{
  static const char blob[] = "\x00\x01\x02snapshot\xff";
  rs_msg m = {.type = (uint8_t)t,
              .which = RS_WHICH_WRITE,
              .node = 3,
              .client = 1000,
              .seq = 123456789012ULL,
              .origin = 7,
              .index = 42,
              .view = 9,
              .op = {.kind = RS_OP_CAS,
                     .key = rs_bytes_str("03ff7ebe-bf8e-11ed-89d9-76aef1e817c5"),
                     .name = rs_bytes_str("Formula1ChampionsList.txt"),
                     .value = rs_bytes_str("M. Schumacher, L. Hamilton, J.M. Fangio."),
                     .expected = rs_bytes_str("old")},
              .res = {.status = RS_ST_DELETED_FILE_CANNOT_BE_UPDATED,
                      .version = UINT64_MAX,
                      .name = rs_bytes_str("name"),
                      .value = rs_bytes_str("value")},
              .n_nodes = RS_MAX_NODES,
              .blob = {blob, sizeof blob - 1}};
  for (uint32_t i = 0; i < RS_MAX_NODES; i++)
    m.nodes[i] = i == 0 ? RS_NO_NODE : i * 977u;
  return m;
}

static GByteArray *encode(const rs_msg *m)
{
  GByteArray *out = g_byte_array_new();
  size_t n = rs_msg_encode(m, out);
  assert_int_equal(n, out->len);
  return out;
}

/* Decodes, then re-encodes and checks the bytes are identical (the encoding is canonical). */
static void assert_round_trip(const rs_msg *m)
{
  GByteArray *bytes = encode(m);
  rs_msg back;
  const char *err = "unset";
  assert_true(rs_msg_decode(bytes->data, bytes->len, &back, &err));
  assert_null(err);
  assert_true(msg_equal(m, &back));
  GByteArray *again = encode(&back);
  assert_int_equal(again->len, bytes->len);
  assert_memory_equal(again->data, bytes->data, bytes->len);
  g_byte_array_free(again, TRUE);
  g_byte_array_free(bytes, TRUE);
}

static void assert_rejected(const uint8_t *buf, size_t len)
{
  rs_msg m;
  const char *err = NULL;
  assert_false(rs_msg_decode(buf, len, &m, &err));
  assert_non_null(err);
  assert_true(strncmp(err, "codec: ", 7) == 0);
}

/* Whatever a decoder accepts must re-encode to exactly the same bytes. */
static void assert_decode_is_canonical(const uint8_t *buf, size_t len)
{
  rs_msg m;
  const char *err = NULL;
  if (!rs_msg_decode(buf, len, &m, &err)) {
    assert_non_null(err);
    return;
  }
  GByteArray *again = encode(&m);
  assert_int_equal(again->len, len);
  assert_memory_equal(again->data, buf, len);
  g_byte_array_free(again, TRUE);
}

/* ---- round trips ---- */

static void test_every_message_type_round_trips_with_every_field_used(void **state)
{
  (void)state;
  for (int t = RS_MSG_NONE + 1; t < RS_MSG__COUNT; t++) {
    rs_msg m = full_msg((rs_msg_type)t);
    assert_round_trip(&m);
  }
}

static void test_every_message_type_round_trips_with_no_field_used(void **state)
{
  (void)state;
  for (int t = RS_MSG_NONE + 1; t < RS_MSG__COUNT; t++) {
    rs_msg m = {.type = (uint8_t)t};
    GByteArray *bytes = encode(&m);
    assert_int_equal(bytes->len, 4);
    g_byte_array_free(bytes, TRUE);
    assert_round_trip(&m);
  }
}

static void test_each_field_alone_round_trips(void **state)
{
  (void)state;
  rs_msg base = {.type = RS_MSG_REPLY};
  rs_msg cases[16];
  for (int i = 0; i < 16; i++)
    cases[i] = base;
  cases[0].client = 5;
  cases[1].seq = 5;
  cases[2].node = 1;
  cases[3].origin = UINT32_MAX;
  cases[4].index = 1;
  cases[5].view = 1ULL << 63;
  cases[6].op.kind = RS_OP__COUNT - 1;
  cases[7].res.status = RS_ST__COUNT - 1;
  cases[8].res.version = 127;
  cases[9].op.expected = rs_bytes_str("x");
  cases[10].which = RS_WHICH_READ;
  cases[11].n_nodes = 1; /* node 0 */
  cases[12].res.name = rs_bytes_str("");
  cases[13].blob = rs_bytes_str("");
  cases[14].op.kind = RS_OP_WRITE;
  cases[14].res.status = RS_ST_SUCCESS;
  cases[15].res.version = 128;
  for (int i = 0; i < 16; i++)
    assert_round_trip(&cases[i]);
}

static void test_null_and_empty_slices_round_trip_distinctly(void **state)
{
  (void)state;
  rs_msg m = {.type = RS_MSG_REPLY, .client = 2, .seq = 1};
  m.op.key = rs_bytes_str("");  /* present, empty */
  m.op.value = RS_BYTES_NULL;   /* absent */
  m.res.status = RS_ST_SUCCESS; /* a kv get that answered null */
  m.res.value = RS_BYTES_NULL;
  m.res.name = rs_bytes_str("");
  GByteArray *bytes = encode(&m);
  rs_msg back;
  assert_true(rs_msg_decode(bytes->data, bytes->len, &back, NULL));
  assert_non_null(back.op.key.ptr);
  assert_int_equal(back.op.key.len, 0);
  assert_null(back.op.value.ptr);
  assert_null(back.res.value.ptr);
  assert_non_null(back.res.name.ptr);
  assert_null(back.op.expected.ptr);
  assert_null(back.blob.ptr);
  assert_true(msg_equal(&m, &back));
  g_byte_array_free(bytes, TRUE);
}

static void test_empty_string_at_the_very_end_is_present(void **state)
{
  (void)state;
  rs_msg m = {.type = RS_MSG_QUORUM_REPLY, .blob = rs_bytes_str("")};
  assert_round_trip(&m);
}

static void test_full_node_list_round_trips(void **state)
{
  (void)state;
  rs_msg m = {.type = RS_MSG_REPLICAS, .n_nodes = RS_MAX_NODES};
  for (uint32_t i = 0; i < RS_MAX_NODES; i++)
    m.nodes[i] = UINT32_MAX - i;
  assert_round_trip(&m);
}

static void test_decoded_slices_point_into_the_buffer(void **state)
{
  (void)state;
  rs_msg m = full_msg(RS_MSG_REQUEST);
  GByteArray *bytes = encode(&m);
  rs_msg back;
  assert_true(rs_msg_decode(bytes->data, bytes->len, &back, NULL));
  const char *lo = (const char *)bytes->data, *hi = lo + bytes->len;
  rs_bytes all[] = {back.op.key, back.op.name, back.op.value, back.op.expected,
                    back.res.name, back.res.value, back.blob};
  for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
    assert_true(all[i].ptr >= lo && all[i].ptr + all[i].len <= hi);
  g_byte_array_free(bytes, TRUE);
}

static void test_encode_appends_and_returns_the_bytes_added(void **state)
{
  (void)state;
  GByteArray *out = g_byte_array_new();
  g_byte_array_append(out, (const guint8 *)"xyz", 3);
  rs_msg a = full_msg(RS_MSG_FORWARD), b = {.type = RS_MSG_REPLICATE_ACK, .index = 300};
  size_t na = rs_msg_encode(&a, out);
  size_t nb = rs_msg_encode(&b, out);
  assert_int_equal(out->len, 3 + na + nb);
  assert_memory_equal(out->data, "xyz", 3);
  rs_msg back;
  assert_true(rs_msg_decode(out->data + 3, na, &back, NULL));
  assert_true(msg_equal(&a, &back));
  assert_true(rs_msg_decode(out->data + 3 + na, nb, &back, NULL));
  assert_true(msg_equal(&b, &back));
  g_byte_array_free(out, TRUE);
}

static void test_request_with_300_byte_value_is_under_340_bytes(void **state)
{
  (void)state;
  char content[300];
  memset(content, 'c', sizeof content);
  rs_msg m = {.type = RS_MSG_REQUEST, .client = 17, .seq = 4000};
  m.op = (rs_op){.kind = RS_OP_PUT, .key = rs_bytes_str("k17"), .value = {content, sizeof content}};
  GByteArray *bytes = encode(&m);
  assert_true(bytes->len < 340);
  g_byte_array_free(bytes, TRUE);
}

/* Seed 004's write: a uuid, a filename and 300 bytes of content. Beyond the strings themselves
 * the message costs header 4, tag 1+2, kind 1 and a length byte or two per string. */
static void test_write_request_costs_a_dozen_bytes_beyond_its_strings(void **state)
{
  (void)state;
  char content[300];
  memset(content, 'c', sizeof content);
  rs_msg m = {.type = RS_MSG_REQUEST, .client = 17, .seq = 4000};
  m.op = (rs_op){.kind = RS_OP_WRITE,
                 .key = rs_bytes_str("03ff7ebe-bf8e-11ed-89d9-76aef1e817c5"),
                 .name = rs_bytes_str("Formula1ChampionsList.txt"),
                 .value = {content, sizeof content}};
  size_t strings = m.op.key.len + m.op.name.len + m.op.value.len;
  GByteArray *bytes = encode(&m);
  assert_int_equal(bytes->len - strings, 4 + 3 + 1 + 1 + 1 + 2);
  g_byte_array_free(bytes, TRUE);
}

static void test_small_control_messages_stay_a_few_bytes(void **state)
{
  (void)state;
  rs_msg ack = {.type = RS_MSG_REPLICATE_ACK, .index = 100, .view = 2};
  GByteArray *bytes = encode(&ack);
  assert_int_equal(bytes->len, 6);
  g_byte_array_free(bytes, TRUE);
}

/* ---- rejection ---- */

static void test_every_truncated_prefix_is_rejected(void **state)
{
  (void)state;
  for (int t = RS_MSG_NONE + 1; t < RS_MSG__COUNT; t++) {
    rs_msg m = full_msg((rs_msg_type)t);
    GByteArray *bytes = encode(&m);
    for (size_t len = 0; len < bytes->len; len++) {
      /* a copy of exactly `len` bytes, so ASan sees any read past the end */
      uint8_t *copy = g_memdup2(bytes->data, len ? len : 1);
      assert_rejected(copy, len);
      g_free(copy);
    }
    g_byte_array_free(bytes, TRUE);
  }
}

static void test_flipped_bytes_never_crash_and_reencode_identically(void **state)
{
  (void)state;
  rs_msg samples[] = {full_msg(RS_MSG_REQUEST), full_msg(RS_MSG_REPLICAS),
                      {.type = RS_MSG_REPLY, .client = 1, .seq = 2, .res = {.status = RS_ST_SUCCESS}},
                      {.type = RS_MSG_REPLICATE_ACK, .index = 1u << 20}};
  static const uint8_t flips[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
  for (size_t s = 0; s < G_N_ELEMENTS(samples); s++) {
    GByteArray *bytes = encode(&samples[s]);
    for (size_t i = 0; i < bytes->len; i++) {
      for (size_t f = 0; f < G_N_ELEMENTS(flips); f++) {
        uint8_t *copy = g_memdup2(bytes->data, bytes->len);
        copy[i] ^= flips[f];
        assert_decode_is_canonical(copy, bytes->len);
        g_free(copy);
      }
    }
    g_byte_array_free(bytes, TRUE);
  }
}

/* Half the inputs start with a valid magic and type so that the garbage reaches the fields. */
static void test_random_garbage_never_crashes(void **state)
{
  (void)state;
  GRand *rng = g_rand_new_with_seed(20230329);
  uint8_t buf[96];
  int accepted = 0;
  for (int n = 0; n < 100000; n++) {
    size_t len = (size_t)g_rand_int_range(rng, 0, sizeof buf + 1);
    for (size_t i = 0; i < len; i++)
      buf[i] = (uint8_t)g_rand_int(rng);
    if (len >= 2 && (n & 1)) {
      buf[0] = MAGIC;
      buf[1] = (uint8_t)g_rand_int_range(rng, 1, RS_MSG__COUNT);
    }
    if (len >= 4 && (n & 2))
      buf[3] &= 0x7f; /* no spare bit */
    uint8_t *copy = g_memdup2(buf, len ? len : 1);
    rs_msg m;
    if (rs_msg_decode(copy, len, &m, NULL))
      accepted++;
    assert_decode_is_canonical(copy, len);
    g_free(copy);
  }
  assert_true(accepted > 0);
  g_rand_free(rng);
}

static void test_bad_magic_is_rejected(void **state)
{
  (void)state;
  const uint8_t ok[] = {MAGIC, RS_MSG_REGISTER, 0, 0};
  const uint8_t bad[] = {0xA2, RS_MSG_REGISTER, 0, 0};
  rs_msg m;
  assert_true(rs_msg_decode(ok, sizeof ok, &m, NULL));
  assert_rejected(bad, sizeof bad);
}

static void test_unknown_message_type_is_rejected(void **state)
{
  (void)state;
  const uint8_t types[] = {RS_MSG_NONE, RS_MSG__COUNT, 0xff};
  for (size_t i = 0; i < sizeof types; i++) {
    const uint8_t buf[] = {MAGIC, types[i], 0, 0};
    assert_rejected(buf, sizeof buf);
  }
}

static void test_unknown_mask_bit_is_rejected(void **state)
{
  (void)state;
  const uint8_t buf[] = {MAGIC, RS_MSG_REGISTER, 0, B_SPARE >> 8};
  assert_rejected(buf, sizeof buf);
}

static void test_trailing_bytes_are_rejected(void **state)
{
  (void)state;
  const uint8_t buf[] = {MAGIC, RS_MSG_REGISTER, B_NODE, 0, 5, 0};
  assert_rejected(buf, sizeof buf);
  rs_msg m;
  assert_true(rs_msg_decode(buf, sizeof buf - 1, &m, NULL));
  assert_int_equal(m.node, 5);
}

static void test_varint_longer_than_ten_bytes_is_rejected(void **state)
{
  (void)state;
  const uint8_t buf[] = {MAGIC, RS_MSG_REPLICATE_ACK, B_INDEX, 0,
                         0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  assert_rejected(buf, sizeof buf);
}

static void test_varint_overflowing_64_bits_is_rejected(void **state)
{
  (void)state;
  const uint8_t max[] = {MAGIC, RS_MSG_REPLICATE_ACK, B_INDEX, 0,
                         0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  const uint8_t over[] = {MAGIC, RS_MSG_REPLICATE_ACK, B_INDEX, 0,
                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  rs_msg m;
  assert_true(rs_msg_decode(max, sizeof max, &m, NULL));
  assert_true(m.index == UINT64_MAX);
  assert_rejected(over, sizeof over);
}

static void test_node_id_wider_than_32_bits_is_rejected(void **state)
{
  (void)state;
  const uint8_t max[] = {MAGIC, RS_MSG_REGISTER, B_NODE, 0, 0xff, 0xff, 0xff, 0xff, 0x0f};
  const uint8_t over[] = {MAGIC, RS_MSG_REGISTER, B_NODE, 0, 0x80, 0x80, 0x80, 0x80, 0x10};
  rs_msg m;
  assert_true(rs_msg_decode(max, sizeof max, &m, NULL));
  assert_int_equal(m.node, UINT32_MAX);
  assert_rejected(over, sizeof over);
}

static void test_more_than_max_nodes_is_rejected(void **state)
{
  (void)state;
  uint8_t buf[4 + 2 + RS_MAX_NODES + 1] = {MAGIC, RS_MSG_REPLICAS, 0, B_REPLICAS >> 8, 0, RS_MAX_NODES + 1};
  memset(buf + 6, 1, RS_MAX_NODES + 1);
  assert_rejected(buf, sizeof buf);
  buf[5] = RS_MAX_NODES; /* the same list one shorter is fine */
  rs_msg m;
  assert_true(rs_msg_decode(buf, sizeof buf - 1, &m, NULL));
  assert_int_equal(m.n_nodes, RS_MAX_NODES);
}

static void test_string_length_past_the_end_is_rejected(void **state)
{
  (void)state;
  const uint8_t buf[] = {MAGIC, RS_MSG_REQUEST, B_KEY, 0, 5, 'a', 'b', 'c', 'd'};
  assert_rejected(buf, sizeof buf);
  const uint8_t huge[] = {MAGIC, RS_MSG_REQUEST, B_KEY, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a'};
  assert_rejected(huge, sizeof huge);
}

static void test_non_minimal_varint_is_rejected(void **state)
{
  (void)state;
  const uint8_t buf[] = {MAGIC, RS_MSG_REGISTER, B_NODE, 0, 0x85, 0x00};
  assert_rejected(buf, sizeof buf);
}

static void test_present_field_with_zero_value_is_rejected(void **state)
{
  (void)state;
  const uint8_t node[] = {MAGIC, RS_MSG_REGISTER, B_NODE, 0, 0};
  const uint8_t tag[] = {MAGIC, RS_MSG_REPLY, B_TAG, 0, 0, 0};
  const uint8_t kind[] = {MAGIC, RS_MSG_REPLY, B_KIND_STATUS, 0, 0};
  const uint8_t replicas[] = {MAGIC, RS_MSG_REPLICAS, 0, B_REPLICAS >> 8, 0, 0};
  assert_rejected(node, sizeof node);
  assert_rejected(tag, sizeof tag);
  assert_rejected(kind, sizeof kind);
  assert_rejected(replicas, sizeof replicas);
}

/* Header, then one varint field: the smallest message that carries `v` under `bit`. */
static size_t one_varint(uint8_t *buf, rs_msg_type t, uint16_t bit, uint64_t v)
{
  size_t n = 0;
  buf[n++] = MAGIC;
  buf[n++] = (uint8_t)t;
  buf[n++] = (uint8_t)(bit & 0xff);
  buf[n++] = (uint8_t)(bit >> 8);
  do {
    buf[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return n;
}

static void test_unknown_op_kind_and_status_are_rejected(void **state)
{
  (void)state;
  uint8_t buf[16];
  rs_msg m;
  size_t n = one_varint(buf, RS_MSG_REQUEST, B_KIND_STATUS, (RS_OP__COUNT - 1) << 4);
  assert_true(rs_msg_decode(buf, n, &m, NULL));
  assert_int_equal(m.op.kind, RS_OP__COUNT - 1);
  n = one_varint(buf, RS_MSG_REQUEST, B_KIND_STATUS, RS_OP__COUNT << 4);
  assert_rejected(buf, n);
  n = one_varint(buf, RS_MSG_REPLY, B_KIND_STATUS, RS_ST__COUNT);
  assert_rejected(buf, n);
  n = one_varint(buf, RS_MSG_REPLY, B_KIND_STATUS, 1u << 12); /* wider than kind and status */
  assert_rejected(buf, n);
}

static void test_unknown_replica_selector_is_rejected(void **state)
{
  (void)state;
  const uint8_t buf[] = {MAGIC, RS_MSG_GET_REPLICAS, 0, B_REPLICAS >> 8, RS_WHICH_WRITE + 1, 0};
  assert_rejected(buf, sizeof buf);
}

static void test_missing_input_is_rejected_without_an_error_pointer(void **state)
{
  (void)state;
  rs_msg m;
  const char *err = NULL;
  assert_false(rs_msg_decode(NULL, 0, &m, &err));
  assert_non_null(err);
  assert_false(rs_msg_decode(NULL, 10, &m, NULL));
  const uint8_t one = MAGIC;
  assert_false(rs_msg_decode(&one, 1, &m, NULL));
}

static void test_message_type_names_match_the_trace(void **state)
{
  (void)state;
  assert_string_equal(rs_msg_type_name(RS_MSG_REQUEST), "REQUEST");
  assert_string_equal(rs_msg_type_name(RS_MSG_REPLICATE_ACK), "REPLICATE_ACK");
  assert_string_equal(rs_msg_type_name(RS_MSG_QUORUM_REPLY), "QUORUM_REPLY");
  assert_string_equal(rs_msg_type_name(RS_MSG_NONE), "NONE");
  assert_string_equal(rs_msg_type_name((rs_msg_type)200), "NONE");
  for (int t = 0; t < RS_MSG__COUNT; t++)
    assert_non_null(rs_msg_type_name((rs_msg_type)t));
}

/* Only an acknowledgement of everything up to an index may stand for earlier ones: of the same
 * view, never a lower index, and no other type (each REPLICATE or REPLY carries its own op). */
static void test_only_a_later_cumulative_ack_replaces_an_earlier_one(void **state)
{
  (void)state;
  rs_msg a = {.type = RS_MSG_REPLICATE_ACK, .index = 4, .view = 2};
  rs_msg b = {.type = RS_MSG_REPLICATE_ACK, .index = 7, .view = 2};
  assert_true(rs_msg_replaces(&b, &a));
  assert_true(rs_msg_replaces(&a, &a));
  assert_false(rs_msg_replaces(&a, &b));
  rs_msg other_view = {.type = RS_MSG_REPLICATE_ACK, .index = 9, .view = 3};
  assert_false(rs_msg_replaces(&other_view, &a));
  rs_msg state_ack = {.type = RS_MSG_STATE_ACK, .index = 9, .view = 2};
  assert_false(rs_msg_replaces(&state_ack, &a));
  assert_false(rs_msg_replaces(&a, &state_ack));
  for (int t = 0; t < RS_MSG__COUNT; t++) {
    rs_msg x = {.type = (uint8_t)t, .index = 5}, y = {.type = (uint8_t)t, .index = 1};
    assert_int_equal(rs_msg_replaces(&x, &y), t == RS_MSG_REPLICATE_ACK);
    assert_int_equal(rs_msg_cumulative((rs_msg_type)t), t == RS_MSG_REPLICATE_ACK);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_only_a_later_cumulative_ack_replaces_an_earlier_one),
      cmocka_unit_test(test_every_message_type_round_trips_with_every_field_used),
      cmocka_unit_test(test_every_message_type_round_trips_with_no_field_used),
      cmocka_unit_test(test_each_field_alone_round_trips),
      cmocka_unit_test(test_null_and_empty_slices_round_trip_distinctly),
      cmocka_unit_test(test_empty_string_at_the_very_end_is_present),
      cmocka_unit_test(test_full_node_list_round_trips),
      cmocka_unit_test(test_decoded_slices_point_into_the_buffer),
      cmocka_unit_test(test_encode_appends_and_returns_the_bytes_added),
      cmocka_unit_test(test_request_with_300_byte_value_is_under_340_bytes),
      cmocka_unit_test(test_write_request_costs_a_dozen_bytes_beyond_its_strings),
      cmocka_unit_test(test_small_control_messages_stay_a_few_bytes),
      cmocka_unit_test(test_every_truncated_prefix_is_rejected),
      cmocka_unit_test(test_flipped_bytes_never_crash_and_reencode_identically),
      cmocka_unit_test(test_random_garbage_never_crashes),
      cmocka_unit_test(test_bad_magic_is_rejected),
      cmocka_unit_test(test_unknown_message_type_is_rejected),
      cmocka_unit_test(test_unknown_mask_bit_is_rejected),
      cmocka_unit_test(test_trailing_bytes_are_rejected),
      cmocka_unit_test(test_varint_longer_than_ten_bytes_is_rejected),
      cmocka_unit_test(test_varint_overflowing_64_bits_is_rejected),
      cmocka_unit_test(test_node_id_wider_than_32_bits_is_rejected),
      cmocka_unit_test(test_more_than_max_nodes_is_rejected),
      cmocka_unit_test(test_string_length_past_the_end_is_rejected),
      cmocka_unit_test(test_non_minimal_varint_is_rejected),
      cmocka_unit_test(test_present_field_with_zero_value_is_rejected),
      cmocka_unit_test(test_unknown_op_kind_and_status_are_rejected),
      cmocka_unit_test(test_unknown_replica_selector_is_rejected),
      cmocka_unit_test(test_missing_input_is_rejected_without_an_error_pointer),
      cmocka_unit_test(test_message_type_names_match_the_trace),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
