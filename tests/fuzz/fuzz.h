/*
 * fuzz.h — what pnsim's fuzz harnesses share.
 *
 * Each harness (fuzz_*.c) defines LLVMFuzzerTestOneInput and nothing else
 * that libFuzzer would miss, so the same file links two ways:
 *
 *   - with clang and -fsanitize=fuzzer (cmake -DPNSIM_FUZZ=ON, `make
 *     fuzz`): libFuzzer's own main mutates inputs;
 *   - with any compiler and replay_main.c: a plain program that runs the
 *     harness over files and directories (the seeds and regression inputs),
 *     which ctest runs under ASan+UBSan in `make test`.
 *
 * A harness must not crash, hang, leak or print a sanitizer report on any
 * input: a library error is an expected outcome, not a failure.
 */
#ifndef PNSIM_FUZZ_H
#define PNSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string the caller frees (a NUL inside is
 * the parser's to reject), or NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return NULL;
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

#endif
