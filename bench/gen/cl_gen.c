/* cl_gen.c - placeholder until the generator lands. */
#include "bench/gen/cl_gen.h"
int cl_gen_placeholder_;
