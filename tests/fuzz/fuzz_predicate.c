/*
 * fuzz_predicate.c — the --final predicate parser on arbitrary text, against
 * a small net whose place names include prefixes of one another.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "pnml/pn_net.h"
#include "predicate.h"

static const char fuzz_net[] =
    "<?xml version=\"1.0\"?>\n"
    "<pnml xmlns=\"http://www.pnml.org/version-2009/grammar/pnml\">\n"
    "<net id=\"n\" type=\"http://www.pnml.org/version-2009/grammar/ptnet\">\n"
    "<page id=\"pg\">\n"
    "<place id=\"p\"><name><text>done</text></name>"
    "<initialMarking><text>1</text></initialMarking></place>\n"
    "<place id=\"q\"><name><text>done2</text></name></place>\n"
    "<place id=\"r\"><initialMarking><text>18446744073709551615</text>"
    "</initialMarking></place>\n"
    "<transition id=\"t\"/>\n"
    "<arc id=\"a\" source=\"p\" target=\"t\"/>\n"
    "<arc id=\"b\" source=\"t\" target=\"q\"/>\n"
    "</page></net></pnml>\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static model *net_model;
    static model_value *state;
    if (net_model == NULL) {
        pnsim_error error;
        pn_net *net = pnml_read_memory(fuzz_net, sizeof fuzz_net - 1,
                                       "fuzz-net.pnml", &error);
        if (net == NULL)
            abort();   /* the harness's own net: a bug in the harness */
        net_model = pn_net_model(net, &error);
        pn_net_free(net);
        if (net_model == NULL)
            abort();
        state = calloc(net_model->state_length, sizeof *state);
        if (state == NULL)
            abort();
        model_initial_state(net_model, state);
    }
    char *text = fuzz_text(data, size);
    if (text == NULL)
        return 0;
    pnsim_error error;
    pnsim_error_clear(&error);
    state_predicate *predicate = state_predicate_parse(text, net_model,
                                                       &error);
    if (predicate != NULL) {
        (void)state_predicate_holds(predicate, state);
        state_predicate_free(predicate);
    }
    free(text);
    return 0;
}
