/*
 * fuzz_pnml.c — the PNML reader, the net's compilation to a model and a
 * bounded exploration of it, on arbitrary bytes.
 */
#include "fuzz.h"

#include "explore.h"
#include "pnml/pn_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pnsim_error error;
    pnsim_error_clear(&error);
    pn_net *net = pnml_read_memory((const char *)data, size, "fuzz.pnml",
                                   &error);
    if (net == NULL)
        return 0;
    pn_net_facts facts;
    pn_net_compute_facts(net, &facts);
    model *compiled = pn_net_model(net, &error);
    pn_net_free(net);
    if (compiled == NULL)
        return 0;

    explore_options options;
    explore_options_init(&options);
    options.max_states = 500;
    options.max_memory = 64u << 20;
    options.time_limit = 2.0;
    options.threads = 1;
    explore_result *result = explore_run(compiled, &options, &error);
    if (result != NULL) {
        const explore_stats *stats = explore_result_stats(result);
        if (stats->first_deadlock != EXPLORE_NO_STATE) {
            explore_trace trace;
            if (explore_trace_to(result, stats->first_deadlock, &trace,
                                 &error) == PNSIM_OK)
                explore_trace_free(&trace);
        }
        for (uint32_t t = 0; t < compiled->transition_count; t++)
            (void)explore_result_transition_fired(result, t);
        explore_result_free(result);
    }
    model_destroy(compiled);
    return 0;
}
