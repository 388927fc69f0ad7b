/* placeholder */ typedef int memsim_placeholder_;
