/*
 * cmd_graph.c — the pictures: `pnsim graph MODEL -o FILE` draws the
 * reachability graph, `pnsim draw MODEL -o FILE` the net itself.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "graph_export.h"
#include "pnml/pn_draw.h"

static const char graph_help[] =
    "Usage: pnsim graph MODEL -o FILE [options]\n"
    "\n"
    "Draws the reachability graph of MODEL: one node per reachable state,\n"
    "labelled with its marking, one edge per transition firing.  The initial\n"
    "state is bold, deadlocks are red and intended final states green.\n"
    "FILE's extension chooses the format: .dot, .gv, .svg, .png or .pdf.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  where to write the picture\n"
    "  --max-nodes N      refuse graphs with more than N states (default 2000)\n"
    "  --left-to-right    lay the graph out left to right (each step further\n"
    "                     right) instead of top to bottom\n"
    "  --final COND       intended final states, as for check\n"
    "  --threads N        worker threads (default: all cores)\n";

static const char draw_help[] =
    "Usage: pnsim draw MODEL -o FILE\n"
    "\n"
    "Draws the net itself for documentation: places as circles with their\n"
    "tokens, transitions as bars, arc weights, read arcs dashed, inhibitor\n"
    "arcs with a circle head.  Positions from the file are kept when every\n"
    "node has one.  FILE's extension chooses the format: .dot, .gv, .svg,\n"
    ".png or .pdf.\n";

/* graph's own option (cli_option_handler): --left-to-right. */
static int graph_option(void *context, const char *name, const char *value,
                        bool has_equals)
{
    (void)value;
    (void)has_equals;
    if (strcmp(name, "--left-to-right") != 0)
        return CLI_OPTION_UNKNOWN;
    *(bool *)context = true;
    return CLI_OPTION_FLAG;
}

int cli_graph(int argc, char **argv)
{
    cli_options options;
    bool left_to_right = false;
    int code = cli_parse_options_with(argc, argv,
                                      CLI_TAKES_OUTPUT | CLI_TAKES_MAX_NODES |
                                      CLI_TAKES_FINAL | CLI_TAKES_LIMITS,
                                      graph_help, &options, graph_option,
                                      &left_to_right);
    if (code >= 0)
        return code;
    cli_model loaded;
    state_predicate *final;
    if (cli_load_model_and_final(&options, &loaded, &final) != 0)
        return CLI_EXIT_ERROR;
    pnsim_error error;
    pnsim_error_clear(&error);
    explore_options explore;   /* for the signal handlers */
    cli_explore_options(&options, &explore);

    graph_export_summary summary = {0};
    graph_export_options graph;
    graph_export_options_init(&graph);
    graph.max_nodes = options.max_nodes;
    graph.left_to_right = left_to_right;
    graph.final = final;
    graph.threads = options.threads;
    graph.interrupt = &cli_interrupted;
    graph.summary = &summary;
    pnsim_status status = graph_export_reachability(loaded.model, &graph,
                                                    options.output_path,
                                                    &error);
    state_predicate_free(final);
    cli_unload_model(&loaded);
    if (status != PNSIM_OK)
        return cli_report_error(&error, summary.outcome == EXPLORE_INTERRUPTED
                                            ? CLI_EXIT_INCONCLUSIVE
                                            : CLI_EXIT_ERROR);
    printf("wrote %s: %" PRIu64 " state%s, %" PRIu64 " edge%s, %" PRIu64
           " deadlock%s, %" PRIu64 " final state%s\n",
           options.output_path, summary.states, summary.states == 1 ? "" : "s",
           summary.edges, summary.edges == 1 ? "" : "s",
           summary.deadlocks, summary.deadlocks == 1 ? "" : "s",
           summary.final_states, summary.final_states == 1 ? "" : "s");
    return CLI_EXIT_PASS;
}

int cli_draw(int argc, char **argv)
{
    cli_options options;
    int code = cli_parse_options(argc, argv, CLI_TAKES_OUTPUT, draw_help,
                                 &options);
    if (code >= 0)
        return code;
    cli_model loaded;
    if (cli_load_model(options.model_path, &loaded) != 0)
        return CLI_EXIT_ERROR;
    pnsim_error error;
    pnsim_error_clear(&error);
    if (loaded.net == NULL) {
        /* no net behind the model (a CSP process): draw its LTS */
        graph_export_options graph;
        graph_export_options_init(&graph);
        pnsim_status drawn = graph_export_reachability(loaded.model, &graph,
                                                       options.output_path,
                                                       &error);
        cli_unload_model(&loaded);
        if (drawn != PNSIM_OK)
            return cli_report_error(&error, CLI_EXIT_ERROR);
        printf("wrote %s: the transition system of the process\n",
               options.output_path);
        return CLI_EXIT_PASS;
    }
    pnsim_status status = pn_draw(loaded.net, options.output_path, &error);
    size_t places = loaded.net->place_count;
    size_t transitions = loaded.net->transition_count;
    cli_unload_model(&loaded);
    if (status != PNSIM_OK)
        return cli_report_error(&error, CLI_EXIT_ERROR);
    printf("wrote %s: %zu places, %zu transitions\n", options.output_path,
           places, transitions);
    return CLI_EXIT_PASS;
}
