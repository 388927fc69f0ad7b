#include <stdio.h>
int main(void){puts("memsim");return 0;}
