/*
 * evolve.h - `alphawrite evolve`: the evolution loop of a whole run.
 */
#ifndef AW_EVOLVE_H
#define AW_EVOLVE_H

/* Run `alphawrite evolve` with its arguments (argv[0] is "evolve").
 * Returns the exit status (enum aw_exit). */
int evolve_main(int argc, char **argv);

#endif
