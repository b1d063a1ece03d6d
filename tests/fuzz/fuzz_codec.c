/* libFuzzer target for the message codec: whatever decodes must re-encode to the same bytes.
 *
 * Not part of the CMake build: libFuzzer needs clang. Build and run it by hand from the top of
 * the tree with
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. core/types.c core/codec.c tests/fuzz/fuzz_codec.c -o /tmp/fuzz_codec $(pkg-config --cflags --libs glib-2.0)
 *   mkdir -p /tmp/fuzz_codec_corpus && /tmp/fuzz_codec -max_total_time=60 /tmp/fuzz_codec_corpus
 * Each input is decoded; if the codec accepts it, the message is encoded again, the encoding
 * must equal the input byte for byte (the format is canonical), and decoding it again must give
 * the same message. Any crash, sanitizer report or abort is a bug in core/codec.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"

static void fuzz_check(int ok)
{
  if (!ok)
    abort();
}

static int fuzz_same_bytes(rs_bytes a, rs_bytes b)
{
  return rs_bytes_eq(a, b);
}

/* Field-by-field equality, slices compared by content and by NULL-ness. */
static int fuzz_same_msg(const rs_msg *a, const rs_msg *b)
{
  return a->type == b->type && a->which == b->which && a->node == b->node && a->client == b->client &&
         a->seq == b->seq && a->origin == b->origin && a->index == b->index && a->view == b->view &&
         a->op.kind == b->op.kind && fuzz_same_bytes(a->op.key, b->op.key) &&
         fuzz_same_bytes(a->op.name, b->op.name) && fuzz_same_bytes(a->op.value, b->op.value) &&
         fuzz_same_bytes(a->op.expected, b->op.expected) && a->res.status == b->res.status &&
         a->res.version == b->res.version && fuzz_same_bytes(a->res.name, b->res.name) &&
         fuzz_same_bytes(a->res.value, b->res.value) && a->n_nodes == b->n_nodes &&
         memcmp(a->nodes, b->nodes, a->n_nodes * sizeof a->nodes[0]) == 0 &&
         fuzz_same_bytes(a->blob, b->blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static rs_msg first, second;
  const char *err = NULL;
  if (!rs_msg_decode(data, size, &first, &err)) {
    fuzz_check(err != NULL);
    return 0;
  }
  GByteArray *out = g_byte_array_new();
  size_t n = rs_msg_encode(&first, out);
  fuzz_check(n == out->len);
  fuzz_check(n == size && memcmp(out->data, data, size) == 0);
  fuzz_check(rs_msg_decode(out->data, out->len, &second, &err));
  fuzz_check(fuzz_same_msg(&first, &second));
  g_byte_array_free(out, TRUE);
  return 0;
}
