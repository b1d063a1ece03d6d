/* libFuzzer target for the real-mode frame decoder (net/frame.c): whatever a peer sends, parsing
 * never reads past the bytes it was given, and a frame it accepts re-encodes to the same bytes.
 *
 * Not part of the CMake build: libFuzzer needs clang. Build and run it by hand from the top of
 * the tree with
 *   clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -I. net/frame.c tests/fuzz/fuzz_frame.c -o /tmp/fuzz_frame $(pkg-config --cflags --libs glib-2.0)
 *   mkdir -p /tmp/fuzz_frame_corpus && /tmp/fuzz_frame -max_total_time=60 /tmp/fuzz_frame_corpus
 * Each input is parsed as a stream, frame after frame, under the default key and under a key
 * taken from the input's first byte; an accepted frame must come back byte for byte from
 * net_frame_append. The input is copied to a buffer of exactly its size so ASan sees any read
 * past it. Any crash, sanitizer report or abort is a bug in net/frame.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/frame.h"

static void check(int ok)
{
  if (!ok)
    abort();
}

static void parse_stream(const uint8_t *buf, size_t len, const net_key *key)
{
  size_t at = 0;
  while (at < len) {
    net_frame f;
    size_t used = 0;
    const char *why = NULL;
    net_parse p = net_frame_parse(buf + at, len - at, key, &f, &used, &why);
    if (p == NET_PARSE_MORE || p == NET_PARSE_BROKEN)
      return;
    check(used > 0 && used <= len - at);
    if (p == NET_PARSE_OK) {
      GByteArray *again = g_byte_array_new();
      net_frame_append(again, key, f.kind, f.from, f.to, f.id, f.payload, f.len);
      check(again->len == used && memcmp(again->data, buf + at, used) == 0);
      g_byte_array_free(again, TRUE);
    } else {
      check(why != NULL);
    }
    at += used;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t *copy = malloc(size ? size : 1);
  memcpy(copy, data, size);
  net_key key;
  char *err = NULL;
  net_key_load(NULL, &key, &err);
  parse_stream(copy, size, &key);
  net_key_clear(&key);
  /* A key of 16 bytes named by the first byte, so that valid tags can be found too. */
  uint8_t bytes[16];
  memset(bytes, size ? data[0] : 0, sizeof bytes);
  net_key small = {.bytes = bytes, .len = sizeof bytes};
  parse_stream(copy, size, &small);
  free(copy);
  return 0;
}
