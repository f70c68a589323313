/* placeholder so the library has a source; removed when the module lands. */
int engine_cl_placeholder_c_;
