package dev.mdeq.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PythonLiteralTest {
    @Test
    void readsTuplesListsAndScalarsAsYacsDoes() {
        assertEquals(Optional.of(List.of(0L, 1L, 2L, 3L)), PythonLiteral.parse("(0,1,2,3)"));
        assertEquals(Optional.of(List.of(0L)), PythonLiteral.parse("(0,)"));
        assertEquals(Optional.of(List.of()), PythonLiteral.parse("()"));
        assertEquals(Optional.of(5L), PythonLiteral.parse("(5)"));
        assertEquals(Optional.of(List.of(1L, 2.5, "a")), PythonLiteral.parse("[1, 2.5, 'a']"));
        assertEquals(Optional.of(List.of(List.of(1L, 2L), List.of(3L))), PythonLiteral.parse("[(1, 2), [3]]"));
        assertEquals(Optional.of(1e-5), PythonLiteral.parse("1e-5"));
        assertEquals(Optional.of(-3L), PythonLiteral.parse(" -3 "));
        assertEquals(Optional.of(0.5), PythonLiteral.parse(".5"));
        assertEquals(Optional.of(Boolean.TRUE), PythonLiteral.parse("True"));
        assertEquals(Optional.of(Boolean.FALSE), PythonLiteral.parse("False"));
        assertEquals(Optional.of(PythonLiteral.NONE), PythonLiteral.parse("None"));
        assertEquals(Optional.of("it's"), PythonLiteral.parse("\"it's\""));
    }

    @Test
    void leavesNonLiteralsToTheCaller() {
        assertTrue(PythonLiteral.parse("log/").isEmpty());
        assertTrue(PythonLiteral.parse("true").isEmpty()); // Python spells it True
        assertTrue(PythonLiteral.parse("cosine").isEmpty());
        assertTrue(PythonLiteral.parse("(0,1").isEmpty());
        assertTrue(PythonLiteral.parse("1.2.3").isEmpty());
        assertTrue(PythonLiteral.parse("").isEmpty());
        assertTrue(PythonLiteral.parse("12abc").isEmpty());
    }
}
