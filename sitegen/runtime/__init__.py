"""What the verbs run on, apart from the stages: worker processes (`parallel`), progress
lines (`progress`), the garbage collector's pauses and memory given back (`gcpause`),
watching the inputs (`watch`) and the live preview's build process (`buildprocess`)."""
