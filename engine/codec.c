/* codec.c — see codec.h. */
#include "codec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Places the slots in order, opening a new word when the slot does not
 * fit or when the word holds `target` bits and fewer than `most` words are
 * open.  Returns the number of words. */
static size_t codec_layout(state_codec *codec, size_t slots,
                           const uint8_t *widths, unsigned target, size_t most)
{
    size_t word = 0;
    unsigned used = 0;
    codec->word_first[0] = 0;
    for (size_t position = 0; position < slots; position++) {
        size_t i = codec->order[position];
        unsigned width = widths[i] < 1 ? 1 : widths[i] > 64 ? 64 : widths[i];
        if (used + width > 64 || (used >= target && word + 1 < most)) {
            word++;
            codec->word_first[word] = position;
            used = 0;
        }
        codec->width[i] = (uint8_t)width;
        codec->shift[i] = (uint8_t)used;
        codec->word[i] = (uint32_t)word;
        codec->limit[i] = width == 64 ? UINT64_MAX
                                      : ((uint64_t)1 << width) - 1;
        used += width;
    }
    return word + 1;
}

int state_codec_init(state_codec *codec, size_t slots, const uint8_t *widths,
                     const uint32_t *order)
{
    memset(codec, 0, sizeof *codec);
    size_t count = slots ? slots : 1;
    codec->slots = slots;
    codec->width = malloc(count * sizeof *codec->width);
    codec->shift = malloc(count * sizeof *codec->shift);
    codec->word = malloc(count * sizeof *codec->word);
    codec->limit = malloc(count * sizeof *codec->limit);
    codec->word_first = malloc((count + 2) * sizeof *codec->word_first);
    codec->word_bits = malloc((count + 1) * sizeof *codec->word_bits);
    codec->order = malloc(count * sizeof *codec->order);
    if (codec->word_bits == NULL || codec->order == NULL ||
        codec->width == NULL || codec->shift == NULL || codec->word == NULL ||
        codec->limit == NULL || codec->word_first == NULL) {
        state_codec_free(codec);
        return -1;
    }
    for (size_t position = 0; position < slots; position++)
        codec->order[position] = order ? order[position] : (uint32_t)position;
    /* In the order given, so that slots that change together (a transition's
     * places are often neighbours) tend to share a word; and with the bits
     * spread evenly over as few words as first fit needs, so that each word
     * of a vector takes few distinct values (the store shares equal words
     * between states, store.h). */
    codec->words = codec_layout(codec, slots, widths, 64, SIZE_MAX);
    if (codec->words > 1) {
        size_t total = 0;
        for (size_t i = 0; i < slots; i++)
            total += codec->width[i];
        unsigned even = (unsigned)((total + codec->words - 1) / codec->words);
        if (codec_layout(codec, slots, widths, even, codec->words) >
            codec->words)
            codec_layout(codec, slots, widths, 64, SIZE_MAX);
    }
    codec->word_first[codec->words] = slots;
    for (size_t k = 0; k < codec->words; k++) {
        codec->word_bits[k] = true;
        for (size_t j = codec->word_first[k]; j < codec->word_first[k + 1]; j++)
            codec->word_bits[k] =
                codec->word_bits[k] && codec->width[codec->order[j]] == 1;
    }
    return 0;
}

void state_codec_free(state_codec *codec)
{
    free(codec->width);
    free(codec->shift);
    free(codec->word);
    free(codec->limit);
    free(codec->word_first);
    free(codec->order);
    free(codec->word_bits);
    memset(codec, 0, sizeof *codec);
}

unsigned state_codec_bits(model_value value)
{
    return value == 0 ? 1 : 64 - (unsigned)__builtin_clzll(value);
}

long state_codec_encode(const state_codec *codec, const model_value *values,
                        uint64_t *packed)
{
    memset(packed, 0, codec->words * sizeof *packed);
    for (size_t i = 0; i < codec->slots; i++) {
        if (values[i] > codec->limit[i])
            return (long)i;
        packed[codec->word[i]] |= values[i] << codec->shift[i];
    }
    return -1;
}

void state_codec_decode(const state_codec *codec, const uint64_t *packed,
                        model_value *values)
{
    for (size_t k = 0; k < codec->words; k++) {
        size_t first = codec->word_first[k], last = codec->word_first[k + 1];
        uint64_t word = packed[k];
        const uint32_t *order = codec->order;
        if (word == 0 || codec->word_bits[k]) {
            /* One-bit slots (1-safe places): visit the set bits only. */
            for (size_t j = first; j < last; j++)
                values[order[j]] = 0;
            while (word != 0) {
                values[order[first + (size_t)__builtin_ctzll(word)]] = 1;
                word &= word - 1;
            }
            continue;
        }
        for (size_t j = first; j < last; j++) {
            size_t i = order[j];
            values[i] = (word >> codec->shift[i]) & codec->limit[i];
        }
    }
}
