package dev.mdeq.runstore.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ListingTest {
    @Test
    void aFewItemsAreAllNamed() {
        assertEquals("", Listing.some(List.of()));
        assertEquals("a, b, c, d, e", Listing.some(List.of("a", "b", "c", "d", "e")));
    }

    @Test
    void manyItemsAreAHandfulAndACount() {
        List<Integer> thousand = IntStream.range(0, 1000).boxed().toList();
        assertEquals("0; 1; 2; 3; 4; and 995 more", Listing.some(thousand, "; "));
        assertEquals("0, 1, 2, 3, 4, and 1 more", Listing.some(thousand.subList(0, 6)));
    }
}
