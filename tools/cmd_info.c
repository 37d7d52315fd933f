/*
 * cmd_info.c — `pnsim info MODEL`: size and structural facts that need no
 * exploration.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cli.h"
#include "json.h"

static const char info_help[] =
    "Usage: pnsim info MODEL [--json]\n"
    "\n"
    "Prints the size of MODEL and, for a net, structural facts that are cheap\n"
    "to compute:\n"
    "arc kinds, weights, initial tokens, the NUPN unit decomposition, and the\n"
    "net classes it belongs to (ordinary, state machine, marked graph, free\n"
    "choice, conservative).\n";

static const char *info_yes_no(bool flag)
{
    return flag ? "yes" : "no";
}

/* The places with a proved bound (model.slot_bounds), and the largest. */
static size_t info_bounded(const model *model, uint64_t *largest)
{
    size_t count = 0;
    *largest = 0;
    for (size_t i = 0; model->slot_bounds != NULL && i < model->state_length;
         i++)
        if (model->slot_bounds[i] != UINT64_MAX) {
            count++;
            if (model->slot_bounds[i] > *largest)
                *largest = model->slot_bounds[i];
        }
    return count;
}

/* The places in some exclusive set (model.exclusive_*): sets of places
 * of which exactly one is marked, which the explorer stores as an index. */
static size_t info_exclusive_places(const model *model)
{
    size_t count = 0;
    bool *in_set = calloc(model->state_length + 1, sizeof *in_set);
    if (in_set == NULL)
        return 0;
    size_t members = model->exclusive_count
                         ? model->exclusive_start[model->exclusive_count]
                         : 0;
    for (size_t j = 0; j < members; j++)
        if (!in_set[model->exclusive_slots[j]]) {
            in_set[model->exclusive_slots[j]] = true;
            count++;
        }
    free(in_set);
    return count;
}

static void info_print_text(const char *path, const pn_net *net,
                            const model *model, const pn_net_facts *facts)
{
    printf("pnsim info: %s\n", path);
    printf("  %-22s %s\n", "net", net->name);
    printf("  %-22s %zu\n", "places", net->place_count);
    printf("  %-22s %zu\n", "transitions", net->transition_count);
    printf("  %-22s %zu (%zu normal, %zu read, %zu inhibitor)\n", "arcs",
           net->arc_count, facts->normal_arcs, facts->read_arcs,
           facts->inhibitor_arcs);
    printf("  %-22s %zu\n", "pages", net->page_count);
    printf("  %-22s %" PRIu64 " (at most %" PRIu64 " in one place)\n",
           "initial tokens", facts->initial_tokens, facts->max_initial);
    printf("  %-22s %" PRIu64 "\n", "largest arc weight", facts->max_weight);
    if (net->nupn_units > 0)
        printf("  %-22s %zu units%s\n", "NUPN", net->nupn_units,
               net->nupn_safe ? ", declared 1-safe" : "");
    uint64_t largest;
    size_t bounded = info_bounded(model, &largest);
    if (bounded > 0)
        printf("  %-22s %zu of %zu places (at most %" PRIu64 " token%s)\n",
               "structurally bounded", bounded, net->place_count, largest,
               largest == 1 ? "" : "s");
    else
        printf("  %-22s none proved\n", "structurally bounded");
    printf("  %-22s %zu, over %zu places\n", "exclusive sets",
           model->exclusive_count, info_exclusive_places(model));
    printf("  %-22s %zu\n", "source transitions", facts->source_transitions);
    printf("  %-22s %zu\n", "sink transitions", facts->sink_transitions);
    printf("  %-22s %zu\n", "isolated places", facts->isolated_places);
    printf("  %-22s %s\n", "ordinary", info_yes_no(facts->ordinary));
    printf("  %-22s %s\n", "state machine", info_yes_no(facts->state_machine));
    printf("  %-22s %s\n", "marked graph", info_yes_no(facts->marked_graph));
    printf("  %-22s %s\n", "free choice", info_yes_no(facts->free_choice));
    printf("  %-22s %s\n", "conservative", info_yes_no(facts->conservative));
    printf("  %-22s %zu\n", "final places", facts->final_places);
    printf("  %-22s %zu\n", "shared places", facts->shared_places);
}

static void info_json_count(json_writer *json, const char *key, uint64_t value)
{
    json_key(json, key);
    json_uint(json, value);
}

static void info_json_flag(json_writer *json, const char *key, bool value)
{
    json_key(json, key);
    json_bool(json, value);
}

static void info_print_json(const char *path, const pn_net *net,
                            const model *model,
                            const pn_net_facts *facts)
{
    json_writer json;
    json_writer_init(&json, stdout, JSON_WRITE_PRETTY);
    json_begin_object(&json);
    json_key(&json, "model");
    json_string(&json, path);
    json_key(&json, "name");
    json_string(&json, net->name);
    json_key(&json, "format");
    json_string(&json, "pnml");
    info_json_count(&json, "places", net->place_count);
    info_json_count(&json, "transitions", net->transition_count);
    info_json_count(&json, "arcs", net->arc_count);
    info_json_count(&json, "normal_arcs", facts->normal_arcs);
    info_json_count(&json, "read_arcs", facts->read_arcs);
    info_json_count(&json, "inhibitor_arcs", facts->inhibitor_arcs);
    info_json_count(&json, "pages", net->page_count);
    info_json_count(&json, "initial_tokens", facts->initial_tokens);
    info_json_count(&json, "max_initial_marking", facts->max_initial);
    info_json_count(&json, "max_arc_weight", facts->max_weight);
    info_json_count(&json, "exclusive_sets", model->exclusive_count);
    info_json_count(&json, "exclusive_places", info_exclusive_places(model));
    info_json_count(&json, "nupn_units", net->nupn_units);
    info_json_flag(&json, "nupn_safe", net->nupn_safe);
    uint64_t largest;
    size_t bounded = info_bounded(model, &largest);
    info_json_count(&json, "bounded_places", bounded);
    json_key(&json, "largest_bound");
    if (bounded > 0)
        json_uint(&json, largest);
    else
        json_null(&json);
    info_json_count(&json, "source_transitions", facts->source_transitions);
    info_json_count(&json, "sink_transitions", facts->sink_transitions);
    info_json_count(&json, "isolated_places", facts->isolated_places);
    info_json_flag(&json, "ordinary", facts->ordinary);
    info_json_flag(&json, "state_machine", facts->state_machine);
    info_json_flag(&json, "marked_graph", facts->marked_graph);
    info_json_flag(&json, "free_choice", facts->free_choice);
    info_json_flag(&json, "conservative", facts->conservative);
    info_json_count(&json, "final_places", facts->final_places);
    info_json_count(&json, "shared_places", facts->shared_places);
    json_end_object(&json);
    json_writer_finish(&json, NULL);
    fputc('\n', stdout);
}

/* The facts every model has: its slots (processes) and transitions. */
static void info_print_model(const char *path, const model *model, bool json)
{
    size_t internal = 0, termination = 0;
    for (size_t t = 0; t < model->transition_count; t++) {
        internal += model->transitions[t].kind == MODEL_INTERNAL;
        termination += model->transitions[t].kind == MODEL_TERMINATION;
    }
    if (!json) {
        printf("pnsim info: %s\n", path);
        printf("  %-22s %s\n", "process", model->name);
        printf("  %-22s %s\n", "format", model->format);
        printf("  %-22s %zu\n", "state slots", model->state_length);
        printf("  %-22s %zu (%zu internal, %zu termination)\n",
               "transitions", model->transition_count, internal, termination);
        printf("  %-22s %zu\n", "components", model->component_count);
        return;
    }
    json_writer writer;
    json_writer_init(&writer, stdout, JSON_WRITE_PRETTY);
    json_begin_object(&writer);
    json_key(&writer, "model");
    json_string(&writer, path);
    json_key(&writer, "name");
    json_string(&writer, model->name);
    json_key(&writer, "format");
    json_string(&writer, model->format);
    info_json_count(&writer, "state_slots", model->state_length);
    info_json_count(&writer, "transitions", model->transition_count);
    info_json_count(&writer, "internal_transitions", internal);
    info_json_count(&writer, "termination_transitions", termination);
    info_json_count(&writer, "components", model->component_count);
    json_end_object(&writer);
    json_writer_finish(&writer, NULL);
    fputc('\n', stdout);
}

int cli_info(int argc, char **argv)
{
    cli_options options;
    int code = cli_parse_options(argc, argv, CLI_TAKES_JSON, info_help,
                                 &options);
    if (code >= 0)
        return code;
    cli_model loaded;
    if (cli_load_model(options.model_path, &loaded) != 0)
        return CLI_EXIT_ERROR;
    if (loaded.net == NULL) {
        /* Not a net (a CSP process): what the model interface tells. */
        info_print_model(options.model_path, loaded.model, options.json);
        cli_unload_model(&loaded);
        return CLI_EXIT_PASS;
    }
    pn_net_facts facts;
    pn_net_compute_facts(loaded.net, &facts);
    if (options.json)
        info_print_json(options.model_path, loaded.net, loaded.model, &facts);
    else
        info_print_text(options.model_path, loaded.net, loaded.model, &facts);
    cli_unload_model(&loaded);
    return CLI_EXIT_PASS;
}
