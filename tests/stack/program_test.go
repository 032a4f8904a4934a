package stack_test

import "github.com/djangofargate/djangofargate/stacks"

var stacksProgram = stacks.Program
