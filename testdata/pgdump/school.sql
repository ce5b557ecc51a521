--
-- PostgreSQL database dump
--

\restrict ac4WyleUQHTJkk1b0mZMlgiIVTT0BZEm3tF0ztkpb0hWetc1EnGIVlgl4TrULSZ

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: enrolments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.enrolments (
    id integer NOT NULL,
    student_id integer NOT NULL,
    course text NOT NULL,
    enrolled_on date NOT NULL
);


--
-- Name: students; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.students (
    id integer NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text,
    birth_date date,
    active boolean DEFAULT true NOT NULL,
    notes text
);


--
-- Data for Name: enrolments; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.enrolments (id, student_id, course, enrolled_on) FROM stdin;
1	1	maths	2024-09-01
2	2	maths	2024-09-01
3	3	physics	2024-09-01
4	4	maths	2024-09-01
5	4	art	2024-09-02
6	5	maths	2024-09-01
7	6	physics	2024-09-01
8	7	physics	2024-09-01
9	8	maths	2024-09-03
10	9	art	2024-09-01
11	10	art	2024-09-02
12	11	maths	2024-09-01
13	12	physics	2024-09-01
14	13	art	2024-09-01
15	1	physics	2024-09-04
\.


--
-- Data for Name: students; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.students (id, first_name, last_name, email, birth_date, active, notes) FROM stdin;
1	Ada	Lovelace	ada@example.org	2008-12-10	t	\N
2	Alan	Turing	alan@example.org	2009-06-23	t	prefers "Al"
3	Grace	Hopper	grace@example.org	2008-12-09	t	line one\nline two
4	Ada	Lovelace	ada@example.org	2008-12-10	t	\N
5	Edsger	Dijkstra	\N	2009-05-11	f	tab\there
6	Barbara	Liskov	barbara@example.org	2009-11-07	t	
7	Grace	Hopper	grace@example.org	2008-12-09	t	line one\nline two
8	Donald	Knuth	don@example.org	2008-01-10	t	C:\\TeX
9	Zoë	Brontë	zoe@example.org	2009-03-30	t	\N
10	Ada	Lovelace	ada@example.org	2008-12-10	t	\N
11	Barbara	Liskov	barbara@example.org	2009-11-07	t	\N
12	Donald	Knuth	don@example.org	2008-01-10	t	C:\\TeX
13	Edsger	Dijkstra	\N	2009-05-11	f	tab\there
\.


--
-- Name: enrolments enrolments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrolments
    ADD CONSTRAINT enrolments_pkey PRIMARY KEY (id);


--
-- Name: students students_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.students
    ADD CONSTRAINT students_pkey PRIMARY KEY (id);


--
-- Name: enrolments enrolments_student_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.enrolments
    ADD CONSTRAINT enrolments_student_id_fkey FOREIGN KEY (student_id) REFERENCES public.students(id);


--
-- PostgreSQL database dump complete
--

\unrestrict ac4WyleUQHTJkk1b0mZMlgiIVTT0BZEm3tF0ztkpb0hWetc1EnGIVlgl4TrULSZ

