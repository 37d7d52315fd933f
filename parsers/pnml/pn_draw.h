/*
 * pn_draw.h — a picture of a Petri net itself, for documentation.
 *
 * pn_draw() draws the net the way Petri net papers do: places as circles
 * holding their initial tokens (dots up to four, a number beyond),
 * transitions as black bars, each with its name underneath, and arcs as
 * arrows labelled with their weight when it is above one.  Read
 * arcs are dashed lines without an arrowhead (the transition looks at the
 * place and leaves it alone); inhibitor arcs end in a small circle.  Final
 * places have a double border, shared places a blue fill.
 *
 * Layout.  When every place and transition has a position in the PNML file,
 * the picture keeps them (the modeller's layout is usually the one the
 * documentation wants), spread out evenly when the names would not fit
 * between the nodes; otherwise Graphviz's dot arranges the net from left to
 * right, the direction tokens flow.
 *
 * The output file's extension chooses the format, as for the reachability
 * graph (graph_export.h): .dot or .gv, .svg, .png, .pdf.
 */
#ifndef PNSIM_PN_DRAW_H
#define PNSIM_PN_DRAW_H

#include <stdbool.h>

#include "../../engine/error.h"
#include "pn_net.h"

typedef struct pn_draw_options {
    bool ignore_positions;   /* let dot lay out even a net with positions */
    bool top_to_bottom;      /* dot layout: top to bottom, not left to right */
    bool title;              /* the net's name above the picture */
    double scale;            /* points per PNML position unit; 0 (the
                                default): the smallest from 1 to 3 that
                                keeps the names of a row apart */
} pn_draw_options;

/* Fills `options` with the defaults: positions kept when complete, left to
 * right otherwise, a title, an automatic scale. */
void pn_draw_options_init(pn_draw_options *options);

/*
 * Draws `net` into the file `output_path` with the default options.  Fails
 * with PNSIM_ERR_USAGE for an extension it cannot write, PNSIM_ERR_IO when
 * the file cannot be written, PNSIM_ERR_INTERNAL when Graphviz fails.  No
 * file is left behind on failure.
 */
pnsim_status pn_draw(const pn_net *net, const char *output_path,
                     pnsim_error *error);

/* Same, with `options` (NULL for the defaults). */
pnsim_status pn_draw_with_options(const pn_net *net,
                                  const pn_draw_options *options,
                                  const char *output_path,
                                  pnsim_error *error);

#endif
