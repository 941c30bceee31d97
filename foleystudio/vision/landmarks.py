"""MediaPipe BlazePose landmark indices the project uses (33-point topology)."""

NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_TOE, RIGHT_TOE = 31, 32  # MediaPipe calls these FOOT_INDEX
N_LANDMARKS = 33

FOOT = {
    "left": {"hip": LEFT_HIP, "knee": LEFT_KNEE, "ankle": LEFT_ANKLE, "heel": LEFT_HEEL, "toe": LEFT_TOE},
    "right": {"hip": RIGHT_HIP, "knee": RIGHT_KNEE, "ankle": RIGHT_ANKLE, "heel": RIGHT_HEEL, "toe": RIGHT_TOE},
}
