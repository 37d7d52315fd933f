/*
 * pn_draw.c — Petri net pictures through Graphviz (pn_draw.h).
 *
 * The drawing is a Graphviz graph with one node per place ("p<i>") and per
 * transition ("t<i>"), named by index so that any PNML id is safe, and one
 * edge per arc.  Names sit beside the shapes, not in them (see
 * pn_draw_spot_for), so that the shapes keep the conventional sizes: a
 * place's circle holds only its tokens, a transition's bar nothing at all.
 *
 * Everything about talking to Graphviz — formats, keeping its messages off
 * stderr, laying out and writing — is graph_export's toolkit; this file only
 * says what the net looks like.
 */
#include "pn_draw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <cgraph.h>

#include "../../engine/graph_export.h"

#define PN_DRAW_FONT "Helvetica"
#define PN_DRAW_SHARED_FILL "#cfe2ff"
#define PN_DRAW_TOKEN "\xe2\x97\x8f"     /* U+25CF black circle, in UTF-8 */

/* Up to this many tokens are drawn as dots; more as a number. */
#define PN_DRAW_MAX_DOTS 4

void pn_draw_options_init(pn_draw_options *options)
{
    options->ignore_positions = false;
    options->top_to_bottom = false;
    options->title = true;
    options->scale = 0;
}

/* What the build function needs. */
typedef struct pn_draw_job {
    const pn_net *net;
    const pn_draw_options *options;
    bool use_positions;
    double scale;                /* points per position unit */
    int *steep;                  /* per node (places first), with positions:
                                    arcs steeply down minus steeply up */
} pn_draw_job;

/* True when the file placed every node, so its layout can be kept. */
static bool pn_draw_has_positions(const pn_net *net)
{
    if (net->place_count + net->transition_count == 0)
        return false;
    for (size_t i = 0; i < net->place_count; i++)
        if (!net->places[i].position.known)
            return false;
    for (size_t i = 0; i < net->transition_count; i++)
        if (!net->transitions[i].position.known)
            return false;
    return true;
}

/* Characters (not bytes) in a UTF-8 name. */
static size_t pn_draw_columns(const char *text)
{
    size_t columns = 0;
    for (; *text != '\0'; text++)
        if (((unsigned char)*text & 0xC0) != 0x80)
            columns++;
    return columns;
}

/* How wide a node is with its name below, in points: the name at 10
 * points (about 0.6 em a character), or the shape if wider. */
static double pn_draw_footprint(const char *name)
{
    return fmax(6.0 * (double)pn_draw_columns(name), 30);
}

typedef struct pn_draw_spot {
    double x, y;                 /* position, in file units */
    double width;                /* footprint, in points */
} pn_draw_spot;

static int pn_draw_compare_spots(const void *left, const void *right)
{
    const pn_draw_spot *a = left, *b = right;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return 0;
}

/* Beyond this many following nodes a node is not compared: keeps huge nets
 * linear, at the price of missing clashes in rows no one could read. */
#define PN_DRAW_SCALE_NEIGHBOURS 256
#define PN_DRAW_MAX_SCALE 3.0

/*
 * The scale for the file's positions.  Editors place nodes for their own
 * fonts and usually leave names beside them, so positions taken as points
 * are often too close for a name under every node.  The scale is the
 * smallest, between 1 and PN_DRAW_MAX_SCALE, at which the names of any two
 * nodes on one row (less than a line apart vertically) clear each other.
 * Rows come from sorting the nodes by y.
 */
static double pn_draw_automatic_scale(const pn_net *net)
{
    size_t count = net->place_count + net->transition_count;
    pn_draw_spot *spots = malloc(count * sizeof *spots);
    if (spots == NULL)
        return 1;   /* only the picture suffers */
    for (size_t i = 0; i < net->place_count; i++)
        spots[i] = (pn_draw_spot){net->places[i].position.x,
                                  net->places[i].position.y,
                                  pn_draw_footprint(net->places[i].name)};
    for (size_t i = 0; i < net->transition_count; i++) {
        const pn_transition *t = &net->transitions[i];
        spots[net->place_count + i] = (pn_draw_spot){
            t->position.x, t->position.y, pn_draw_footprint(t->name)};
    }
    qsort(spots, count, sizeof *spots, pn_draw_compare_spots);

    const double line = 14;      /* a 10-point line and a little air */
    double scale = 1;
    for (size_t i = 0; i < count; i++) {
        size_t last = i + PN_DRAW_SCALE_NEIGHBOURS < count
                          ? i + PN_DRAW_SCALE_NEIGHBOURS : count - 1;
        for (size_t j = i + 1; j <= last && spots[j].y - spots[i].y < line;
             j++) {
            double apart = fabs(spots[j].x - spots[i].x);
            if (apart == 0)
                continue;   /* on top of each other: no scale helps */
            double needed = ((spots[i].width + spots[j].width) / 2 + 6) /
                            apart;
            if (needed > scale)
                scale = needed;
        }
    }
    free(spots);
    return fmin(scale, PN_DRAW_MAX_SCALE);
}

/* Dots for a few tokens, stacked in rows of at most two so that they sit
 * inside the circle; a number for more.  Returns the rows used. */
static int pn_draw_tokens(uint64_t tokens, graph_export_text *text)
{
    if (tokens > PN_DRAW_MAX_DOTS) {
        graph_export_text_appendf(text, "%" PRIu64, tokens);
        return 1;
    }
    /* 3 as a triangle (1 over 2), 4 as a square. */
    uint64_t top = tokens == 3 ? 1 : tokens < 2 ? tokens : 2;
    for (uint64_t i = 0; i < top; i++)
        graph_export_text_append(text, PN_DRAW_TOKEN);
    if (tokens <= 2)
        return 1;
    graph_export_text_break(text);
    for (uint64_t i = top; i < tokens; i++)
        graph_export_text_append(text, PN_DRAW_TOKEN);
    return 2;
}

static void pn_draw_breaks(graph_export_text *text, int count)
{
    for (int i = 0; i < count; i++)
        graph_export_text_break(text);
}

/* Sets a text attribute, shown as written. */
static int pn_draw_set_text(void *object, const char *attribute,
                            const char *literal)
{
    graph_export_text text;
    graph_export_text_init(&text);
    graph_export_text_append(&text, literal);
    int failed = text.failed ||
                 graph_export_set(object, attribute,
                                  graph_export_text_get(&text)) != 0;
    graph_export_text_free(&text);
    return failed ? -1 : 0;
}

/* pos="x,y!" in points, pinned; PNML's y axis points down, Graphviz's up. */
static int pn_draw_set_position(void *node, const pn_position *position,
                                double scale)
{
    double x = position->x * scale, y = -position->y * scale;
    if (y == 0)
        y = 0;   /* not -0, which would print as "-0.00" */
    char pos[80];
    snprintf(pos, sizeof pos, "%.2f,%.2f!", x, y);
    return graph_export_set(node, "pos", pos);
}

static int pn_draw_graph_attributes(Agraph_t *graph, const pn_draw_job *job)
{
    int failed = 0;
    if (job->options->title) {
        failed |= pn_draw_set_text(graph, "label", job->net->name != NULL
                                                       ? job->net->name
                                                       : "net");
        failed |= graph_export_set(graph, "labelloc", "t");
    }
    failed |= graph_export_set(graph, "fontname", PN_DRAW_FONT);
    failed |= graph_export_set(graph, "fontsize", "12");
    failed |= graph_export_set(graph, "forcelabels", "true");
    if (job->use_positions) {
        /* Recorded so that the .dot file lays out the same way by hand. */
        failed |= graph_export_set(graph, "layout", "nop");
        failed |= graph_export_set(graph, "splines", "true");
    } else {
        failed |= graph_export_set(graph, "rankdir",
                                   job->options->top_to_bottom ? "TB" : "LR");
        failed |= graph_export_set(graph, "nodesep", "0.4");
        failed |= graph_export_set(graph, "ranksep", "0.5");
    }
    failed |= agattr(graph, AGNODE, "fontname", PN_DRAW_FONT) == NULL;
    failed |= agattr(graph, AGNODE, "fontsize", "10") == NULL;
    failed |= agattr(graph, AGEDGE, "fontname", PN_DRAW_FONT) == NULL;
    failed |= agattr(graph, AGEDGE, "fontsize", "10") == NULL;
    failed |= agattr(graph, AGEDGE, "arrowsize", "0.7") == NULL;
    return failed ? -1 : 0;
}

/*
 * Where names go.  In the default left-to-right layout arcs meet places and
 * transitions on their left and right, so the free spot for a name is just
 * below the shape.  Graphviz has no "label below" for nodes, but a label
 * taller than the shape is centred on it: padding the label with empty
 * lines pushes the name under the shape, and fixedsize=shape draws the
 * shape at its own size while the layout keeps room for the whole label,
 * so no arc or node runs through a name (arcs at bars need one more step,
 * see pn_draw_arc).
 *
 * With the file's positions the same padding works, and the name goes
 * above instead when more arcs leave the node steeply downwards than
 * upwards.  Top to bottom, arcs take both free spots, so names become
 * Graphviz's external labels (xlabel), placed wherever they fit.
 */
typedef enum pn_draw_name_spot {
    PN_DRAW_NAME_BELOW,
    PN_DRAW_NAME_ABOVE,
    PN_DRAW_NAME_OUTSIDE         /* xlabel */
} pn_draw_name_spot;

static bool pn_draw_names_in_labels(const pn_draw_job *job)
{
    return job->use_positions || !job->options->top_to_bottom;
}

/* The spot for node `index` (places first, then transitions). */
static pn_draw_name_spot pn_draw_spot_for(const pn_draw_job *job,
                                          size_t index)
{
    if (!pn_draw_names_in_labels(job))
        return PN_DRAW_NAME_OUTSIDE;
    if (job->steep != NULL && job->steep[index] > 0)
        return PN_DRAW_NAME_ABOVE;
    return PN_DRAW_NAME_BELOW;
}

/* Lines between a shape's centre and its name: at 10 points a line is 12
 * points, and the shapes reach 15-16 points from their centre. */
#define PN_DRAW_NAME_GAP_LINES 2

/*
 * Sets the label of a node: `tokens` in the middle (a place's dots, or
 * nothing for a bar) and the name under or over them.  As many lines pad
 * the label on each side of the tokens, so that they stay on the shape's
 * centre.  Graphviz reads a line break at the very end as the end of the
 * last line, not as an empty line after it: a label that ends in padding
 * needs one break more.
 */
static int pn_draw_label(Agnode_t *node, pn_draw_name_spot spot,
                         const char *name, uint64_t tokens, bool has_tokens)
{
    graph_export_text text;
    graph_export_text_init(&text);
    if (spot == PN_DRAW_NAME_ABOVE)
        graph_export_text_append(&text, name);
    if (spot != PN_DRAW_NAME_OUTSIDE)
        pn_draw_breaks(&text, PN_DRAW_NAME_GAP_LINES);
    if (has_tokens)
        pn_draw_tokens(tokens, &text);
    if (spot == PN_DRAW_NAME_BELOW) {
        pn_draw_breaks(&text, PN_DRAW_NAME_GAP_LINES);
        graph_export_text_append(&text, name);
    } else if (spot == PN_DRAW_NAME_ABOVE) {
        pn_draw_breaks(&text, PN_DRAW_NAME_GAP_LINES + 1);
    }
    int failed = text.failed ||
                 graph_export_set(node, "label", graph_export_text_get(&text));
    graph_export_text_free(&text);
    if (spot == PN_DRAW_NAME_OUTSIDE)
        failed |= pn_draw_set_text(node, "xlabel", name);
    return failed ? -1 : 0;
}

static int pn_draw_place(Agraph_t *graph, const pn_draw_job *job, size_t i,
                         Agnode_t **node)
{
    const pn_place *place = &job->net->places[i];
    char name[32];
    snprintf(name, sizeof name, "p%zu", i);
    *node = agnode(graph, name, 1);
    if (*node == NULL)
        return -1;

    int failed = pn_draw_label(*node, pn_draw_spot_for(job, i), place->name,
                               place->initial, true);
    failed |= graph_export_set(*node, "shape",
                               place->final ? "doublecircle" : "circle");
    /* The circle is drawn at its own size, not the label's (see
     * pn_draw_spot_for), so it must grow for a long token count: about 6
     * points a digit at 10 points. */
    char width[32];
    double digits = place->initial > PN_DRAW_MAX_DOTS
                        ? floor(log10((double)place->initial)) + 1 : 0;
    snprintf(width, sizeof width, "%.2f", fmax(0.42, (digits * 6 + 10) / 72));
    failed |= graph_export_set(*node, "width", width);
    failed |= graph_export_set(*node, "fixedsize",
                               pn_draw_names_in_labels(job) ? "shape"
                                                            : "true");
    if (place->shared) {
        failed |= graph_export_set(*node, "style", "filled");
        failed |= graph_export_set(*node, "fillcolor", PN_DRAW_SHARED_FILL);
    }
    if (job->use_positions)
        failed |= pn_draw_set_position(*node, &place->position, job->scale);
    return failed ? -1 : 0;
}

static int pn_draw_transition(Agraph_t *graph, const pn_draw_job *job,
                              size_t i, Agnode_t **node)
{
    const pn_transition *transition = &job->net->transitions[i];
    char name[32];
    snprintf(name, sizeof name, "t%zu", i);
    *node = agnode(graph, name, 1);
    if (*node == NULL)
        return -1;
    /* A bar across the flow: lying down when tokens flow downwards. */
    bool lying = !job->use_positions && job->options->top_to_bottom;
    int failed = 0;
    failed |= graph_export_set(*node, "shape", "box");
    failed |= graph_export_set(*node, "style", "filled");
    failed |= graph_export_set(*node, "fillcolor", "black");
    failed |= graph_export_set(*node, "fixedsize",
                               pn_draw_names_in_labels(job) ? "shape"
                                                            : "true");
    failed |= graph_export_set(*node, "width", lying ? "0.45" : "0.1");
    failed |= graph_export_set(*node, "height", lying ? "0.1" : "0.45");
    failed |= pn_draw_label(*node,
                            pn_draw_spot_for(job, job->net->place_count + i),
                            transition->name, 0, false);
    if (job->use_positions)
        failed |= pn_draw_set_position(*node, &transition->position,
                                       job->scale);
    return failed ? -1 : 0;
}

/* Counts, for every node, the arcs that leave it steeply downwards minus
 * those that leave steeply upwards (in the file's coordinates, y grows
 * downwards).  "Steeply": they would cross a name under or over the node. */
static int *pn_draw_count_steep_arcs(const pn_net *net)
{
    size_t count = net->place_count + net->transition_count;
    int *steep = calloc(count ? count : 1, sizeof *steep);
    if (steep == NULL)
        return NULL;
    for (size_t i = 0; i < net->arc_count; i++) {
        const pn_arc *arc = &net->arcs[i];
        if (arc->place >= net->place_count ||
            arc->transition >= net->transition_count)
            continue;   /* reported by pn_draw_build */
        const pn_position *p = &net->places[arc->place].position;
        const pn_position *t = &net->transitions[arc->transition].position;
        double dx = fabs(t->x - p->x), dy = t->y - p->y;
        if (fabs(dy) <= dx / 2)
            continue;
        int down_from_place = dy > 0 ? 1 : -1;
        steep[arc->place] += down_from_place;
        steep[net->place_count + arc->transition] -= down_from_place;
    }
    return steep;
}

static int pn_draw_arc(Agraph_t *graph, const pn_draw_job *job,
                       const pn_arc *arc, Agnode_t *place,
                       Agnode_t *transition)
{
    Agedge_t *edge = arc->to_transition
                         ? agedge(graph, place, transition, NULL, 1)
                         : agedge(graph, transition, place, NULL, 1);
    if (edge == NULL)
        return -1;
    int failed = 0;
    /* With its name below, a bar's layout box is as wide as the name, and
     * Graphviz would end arcs at that box, short of the bar.  Unclipped,
     * they run to the bar's centre line, which the bar itself hides. */
    bool unclipped = pn_draw_names_in_labels(job);
    if (unclipped)
        failed |= graph_export_set(edge, arc->to_transition ? "headclip"
                                                            : "tailclip",
                                   "false");
    if (arc->weight > 1) {
        char weight[32];
        snprintf(weight, sizeof weight, "%" PRIu64, arc->weight);
        failed |= graph_export_set(edge, "label", weight);
    }
    switch (arc->kind) {
    case PN_ARC_NORMAL:
        break;
    case PN_ARC_READ:
        failed |= graph_export_set(edge, "style", "dashed");
        failed |= graph_export_set(edge, "arrowhead", "none");
        break;
    case PN_ARC_INHIBITOR:
        /* An unclipped head would hide the circle inside the bar; "none"
         * before it is an arrow-long spacer that keeps it just outside. */
        failed |= graph_export_set(edge, "arrowhead",
                                   unclipped ? "noneodot" : "odot");
        break;
    }
    return failed ? -1 : 0;
}

/* graph_export_build_fn for a net. */
static pnsim_status pn_draw_build(void *context, Agraph_t *graph,
                                  pnsim_error *error)
{
    const pn_draw_job *job = context;
    const pn_net *net = job->net;
    size_t node_count = net->place_count + net->transition_count;
    Agnode_t **nodes = calloc(node_count ? node_count : 1, sizeof *nodes);
    if (nodes == NULL)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory drawing the net");
    Agnode_t **places = nodes;
    Agnode_t **transitions = nodes + net->place_count;

    int failed = pn_draw_graph_attributes(graph, job);
    for (size_t i = 0; i < net->place_count && !failed; i++)
        failed = pn_draw_place(graph, job, i, &places[i]);
    for (size_t i = 0; i < net->transition_count && !failed; i++)
        failed = pn_draw_transition(graph, job, i, &transitions[i]);

    pnsim_status status = PNSIM_OK;
    for (size_t i = 0; i < net->arc_count && !failed; i++) {
        const pn_arc *arc = &net->arcs[i];
        if (arc->place >= net->place_count ||
            arc->transition >= net->transition_count) {
            status = pnsim_error_set(error, PNSIM_ERR_INTERNAL,
                                     "arc %zu joins a place or transition "
                                     "that does not exist", i);
            break;
        }
        failed = pn_draw_arc(graph, job, arc, places[arc->place],
                             transitions[arc->transition]);
    }
    free(nodes);
    if (failed)
        return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                               "out of memory drawing the net");
    return status;
}

pnsim_status pn_draw_with_options(const pn_net *net,
                                  const pn_draw_options *options,
                                  const char *output_path,
                                  pnsim_error *error)
{
    pn_draw_options defaults;
    if (options == NULL) {
        pn_draw_options_init(&defaults);
        options = &defaults;
    }
    if (!(options->scale >= 0) || !isfinite(options->scale))
        return pnsim_error_set(error, PNSIM_ERR_USAGE,
                               "the drawing scale must be a positive number "
                               "(or 0 for automatic)");
    pn_draw_job job = {
        .net = net,
        .options = options,
        .use_positions = !options->ignore_positions &&
                         pn_draw_has_positions(net),
        .scale = options->scale,
    };
    if (job.use_positions) {
        if (job.scale == 0)
            job.scale = pn_draw_automatic_scale(net);
        job.steep = pn_draw_count_steep_arcs(net);
        if (job.steep == NULL)
            return pnsim_error_set(error, PNSIM_ERR_NOMEM,
                                   "out of memory drawing the net");
    }
    pnsim_status status = graph_export_draw(net->name,
                                            job.use_positions ? "nop" : "dot",
                                            pn_draw_build, &job, output_path,
                                            error);
    free(job.steep);
    return status;
}

pnsim_status pn_draw(const pn_net *net, const char *output_path,
                     pnsim_error *error)
{
    return pn_draw_with_options(net, NULL, output_path, error);
}
