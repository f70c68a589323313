/* cl_gen.h - synthetic case generator (claims gen). */
#ifndef CL_GEN_H
#define CL_GEN_H
#endif
