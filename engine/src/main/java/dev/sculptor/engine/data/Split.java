package dev.sculptor.engine.data;

/** Which half of a dataset to load; both datasets ship a fixed train/test partition. */
public enum Split {
    TRAIN,
    TEST
}
